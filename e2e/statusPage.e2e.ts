import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  FAST_ROUTER_ENV,
  REPO_ROOT,
  type System,
  startSystem,
  startTraffic,
  type Traffic,
  USERS_WITH_PRODUCTS,
} from "@supergraph/testing";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The router's live status page in a real headless browser (Debian's Chromium, driven by
 * playwright-core) over real processes: two products replicas and users, the router probing them
 * every 200 ms (FAST_ROUTER_ENV). Kills products' replicas one by one and watches the page turn
 * them down, then brings them back. `UPDATE_SCREENSHOTS=1` writes the screenshot to
 * docs/status-page.png (the README's), otherwise to a temporary folder.
 */
const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `statusPage.e2e.ts skipped: no Chromium at ${CHROMIUM}. Install Debian's package (as root: ` +
      "apt-get update && apt-get install -y chromium; .ci/run does it) to run the status page browser test.",
  );
}

/** How long the page may take to show a change (probes run every 200 ms; the page updates every second). */
const SHOWS_WITHIN_MS = 10_000;

describe.skipIf(!hasChromium)("status page in a headless browser (real processes)", () => {
  let system: System;
  let browser: Browser;
  let traffic: Traffic | undefined;
  beforeAll(async () => {
    [system, browser] = await Promise.all([
      startSystem({ env: { router: FAST_ROUTER_ENV }, replicas: { products: 2 } }),
      chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
          "--disable-quic",
        ],
      }),
    ]);
  });
  afterAll(async () => {
    await traffic?.stop();
    await browser?.close();
    await system?.shutdown();
  });

  const subgraph = (page: Page, name: string) => page.locator(`g[data-kind="subgraph"][data-node="${name}"]`);
  const replica = (page: Page, name: string, instance: string) =>
    page.locator(`g[data-kind="replica"][data-subgraph="${name}"][data-replica="${system.url(instance)}/graphql"]`);
  const healthOf = (page: Page, name: string) => subgraph(page, name).getAttribute("data-health");
  /** Waits (bounded) until the request rate the node `selector` finds shows is above zero. */
  const waitForTraffic = (page: Page, selector: string) =>
    expect
      .poll(async () => Number(await page.locator(selector).getAttribute("data-rate")), { timeout: SHOWS_WITHIN_MS })
      .toBeGreaterThan(0);

  it("draws router, subgraphs and replicas up; shows products down when killed and up again when restarted; fetches nothing from elsewhere", async () => {
    traffic = startTraffic(system.routerUrl, USERS_WITH_PRODUCTS, {
      concurrency: 2,
      maxRequests: 100_000,
      maxMs: 60_000,
      pauseMs: 20,
    });
    const page = await browser.newPage({ viewport: { width: 1180, height: 900 } });
    const origin = system.url("router");
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console error: ${message.text()}`);
    });

    await page.goto(`${origin}/status`);
    await expect.poll(() => healthOf(page, "users"), { timeout: SHOWS_WITHIN_MS }).toBe("up");
    await expect.poll(() => healthOf(page, "products"), { timeout: SHOWS_WITHIN_MS }).toBe("up");
    expect(await page.locator('g[data-kind="router"][data-node="router"]').getAttribute("data-health")).toBe("up");
    expect(await page.locator('g[data-kind="replica"][data-subgraph="products"]').count()).toBe(2);
    await expect.poll(() => replica(page, "products", "products-2").getAttribute("data-health")).toBe("up");
    await page.waitForSelector('#connection[data-connection="live"]', { timeout: SHOWS_WITHIN_MS });
    // Traffic flows: the router's and each subgraph's request rates are shown above zero.
    await waitForTraffic(page, 'g[data-kind="router"]');
    await waitForTraffic(page, 'g[data-kind="subgraph"][data-node="users"]');
    await waitForTraffic(page, 'g[data-kind="subgraph"][data-node="products"]');
    expect(await page.locator("#overall").textContent()).toBe("All 2 subgraphs up");
    // A few seconds of traffic before the failures (sparklines with some history for the screenshot).
    const running = traffic;
    await expect.poll(() => running.samples.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(150);

    // One products replica crashes: it shows down, products degraded, users untouched.
    await system.kill("products");
    await expect
      .poll(() => replica(page, "products", "products").getAttribute("data-health"), { timeout: SHOWS_WITHIN_MS })
      .toBe("down");
    await expect.poll(() => healthOf(page, "products"), { timeout: SHOWS_WITHIN_MS }).toBe("degraded");
    expect(await healthOf(page, "users")).toBe("up");
    // Traffic moved to the live replica: the picture for the README (both colours, rates moving).
    await waitForTraffic(page, `g[data-replica="${system.url("products-2")}/graphql"]`);
    const screenshot = await page.screenshot({ fullPage: true });
    expect(screenshot.subarray(1, 4).toString()).toBe("PNG");
    const target =
      process.env.UPDATE_SCREENSHOTS === "1"
        ? join(REPO_ROOT, "docs", "status-page.png")
        : join(mkdtempSync(join(tmpdir(), "status-page-")), "status-page.png");
    writeFileSync(target, screenshot);

    // The other one too: products is down.
    await system.kill("products-2");
    await expect.poll(() => healthOf(page, "products"), { timeout: SHOWS_WITHIN_MS }).toBe("down");
    expect(await page.locator("#overall").getAttribute("data-overall")).toBe("down");
    expect(await page.locator("#overall").textContent()).toContain("products");
    expect(await healthOf(page, "users")).toBe("up");

    // Restarted: up again, both replicas.
    await system.start("products");
    await system.start("products-2");
    await expect.poll(() => healthOf(page, "products"), { timeout: SHOWS_WITHIN_MS }).toBe("up");
    for (const instance of ["products", "products-2"]) {
      await expect
        .poll(() => replica(page, "products", instance).getAttribute("data-health"), { timeout: SHOWS_WITHIN_MS })
        .toBe("up");
    }
    expect(await page.locator("#overall").getAttribute("data-overall")).toBe("up");

    // Offline: every request the page made went to the router, and nothing was refused or failed.
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((url) => new URL(url).origin !== origin)).toEqual([]);
    expect(new Set(requested.map((url) => new URL(url).pathname))).toEqual(new Set(["/status", "/status/events"]));
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);
});
