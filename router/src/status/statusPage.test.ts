import { createHash } from "node:crypto";
import { freePort, postGraphQL, type RouterInputs, startGraph } from "@supergraph/testing";
import { describe, expect, it } from "vitest";
import { readConfig } from "../config.js";
import { createServer } from "../server.js";
import { embeddableJson, STATUS_PAGE_CSP, statusHtml } from "./statusHtml.js";
import type { StatusSnapshot } from "./statusSnapshot.js";

const JOINED = "{ products { title createdBy { name } } }";

/** Reads server-sent events from `url` until `count` arrived: their data, parsed. */
async function readEvents(
  url: string,
  count: number,
): Promise<{ events: StatusSnapshot[]; rest: () => Promise<string> }> {
  const response = await fetch(url, { headers: { accept: "text/event-stream" } });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const events: StatusSnapshot[] = [];
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the stream ended after ${events.length} events`);
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const data = buffer
        .slice(0, end)
        .split("\n")
        .filter((line) => line.startsWith("data: "))
        .map((line) => line.slice(6))
        .join("\n");
      events.push(JSON.parse(data) as StatusSnapshot);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
    }
  }
  /** Whatever else arrives until the server ends the stream. */
  const rest = async () => {
    let text = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return text;
      text += decoder.decode(value, { stream: true });
    }
  };
  return { events, rest };
}

describe("status page routes (in-process graph)", () => {
  it("/status.json: both subgraphs and their replica up, with the traffic of the queries sent", async () => {
    await using graph = await startGraph({ createRouter: createServer });
    for (let request = 0; request < 5; request++) {
      expect((await postGraphQL(graph.routerUrl, JOINED)).errors).toBeUndefined();
    }
    const response = await fetch(`${graph.origin}/status.json`);
    expect(response.status).toBe(200);
    const snapshot = (await response.json()) as StatusSnapshot;
    expect(snapshot.router).toMatchObject({ health: "up", supergraph: { loads: 1 } });
    expect(snapshot.router.traffic).toMatchObject({ errorRate: 0 });
    expect(snapshot.router.traffic.requestRate).toBeGreaterThan(0);
    expect(snapshot.router.traffic.series.reduce((sum, count) => sum + count, 0)).toBe(5);
    expect(snapshot.router.traffic.p95Ms).toBeGreaterThan(0);
    expect(snapshot.subgraphs.map((subgraph) => [subgraph.name, subgraph.health])).toEqual([
      ["products", "up"],
      ["users", "up"],
    ]);
    for (const subgraph of snapshot.subgraphs) {
      expect(subgraph.traffic.series.reduce((sum, count) => sum + count, 0)).toBe(5); // one fetch per query each
      expect(subgraph.replicas).toHaveLength(1);
      expect(subgraph.replicas[0]).toMatchObject({ health: "up", reachable: true, circuit: "closed" });
      expect(subgraph.replicas[0]?.traffic.requestRate).toBeGreaterThan(0);
    }
  });

  it("/status: the page, with its first snapshot embedded and a policy that lets only its own script and style run", async () => {
    await using graph = await startGraph({ createRouter: createServer });
    const response = await fetch(`${graph.origin}/status`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toBe(STATUS_PAGE_CSP);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await response.text();
    // No external resource: no URL with a scheme in any src/href, and nothing but this page's own script.
    expect(html).not.toMatch(/\b(?:src|href)=["']?(?:https?:)?\/\//i);
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => match[1] ?? "");
    expect(scripts).toHaveLength(1);
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((match) => match[1] ?? "");
    expect(styles).toHaveLength(1);
    const hashOf = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;
    expect(STATUS_PAGE_CSP).toContain(`script-src ${hashOf(scripts[0] ?? "")}`);
    expect(STATUS_PAGE_CSP).toContain(`style-src ${hashOf(styles[0] ?? "")}`);
    expect(STATUS_PAGE_CSP).toContain("default-src 'none'");
    const embedded = /<script type="application\/json" id="initial-snapshot">([\s\S]*?)<\/script>/.exec(html)?.[1];
    const snapshot = JSON.parse(embedded ?? "null") as StatusSnapshot;
    expect(snapshot.subgraphs.map((subgraph) => subgraph.name)).toEqual(["products", "users"]);
  });

  it("embeds names and errors as data that cannot close its element or run", () => {
    const hostile = "</script><script>alert(1)</script><!--";
    const snapshot: StatusSnapshot = {
      at: new Date(0).toISOString(),
      windowSeconds: 60,
      summarySeconds: 10,
      router: { health: "up", supergraph: null, traffic: { requestRate: 0, errorRate: 0, p95Ms: null, series: [] } },
      subgraphs: [
        {
          name: hostile,
          health: "down",
          traffic: { requestRate: 0, errorRate: 0, p95Ms: null, series: [] },
          replicas: [
            {
              url: `http://x/${hostile}\u2028`,
              health: "down",
              reachable: false,
              circuit: "open",
              checkedAt: null,
              error: `${hostile} & "quotes"`,
              traffic: { requestRate: 0, errorRate: 0, p95Ms: null, series: [] },
            },
          ],
        },
      ],
    };
    const html = statusHtml(snapshot);
    expect(html).not.toContain(hostile);
    expect(html).not.toContain("<script>alert(1)");
    expect(html.match(/<\/script>/g)).toHaveLength(2); // the data block's and the page script's
    const embedded = embeddableJson(snapshot);
    expect(embedded).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(embedded)).toEqual(snapshot);
  });

  it("/status/events: a snapshot a second; the stream ends as soon as the router shuts down", async () => {
    const graph = await startGraph({ createRouter: createServer });
    try {
      await postGraphQL(graph.routerUrl, JOINED);
      const { events, rest } = await readEvents(`${graph.origin}/status/events`, 2);
      expect(events[0]?.subgraphs.map((subgraph) => subgraph.name)).toEqual(["products", "users"]);
      expect(Date.parse(events[1]?.at ?? "") - Date.parse(events[0]?.at ?? "")).toBeGreaterThanOrEqual(500);
      const ended = rest();
      // The open stream must not hold up the shutdown (its drain timeout is 10 s; the test's, 30 s).
      const closing = graph.close();
      await ended;
      await closing;
    } finally {
      await graph.close();
    }
  });

  it("is off when asked, and in production unless asked; then it is served on the internal listener only", async () => {
    await using off = await startGraph({
      createRouter: (inputs: RouterInputs) => createServer({ ...inputs, statusPage: false }),
    });
    expect((await fetch(`${off.origin}/status`)).status).toBe(404);
    expect((await fetch(`${off.origin}/status.json`)).status).toBe(404);

    await using production = await startGraph({
      createRouter: (inputs: RouterInputs) => createServer({ ...inputs, production: true }),
    });
    expect((await fetch(`${production.origin}/status.json`)).status).toBe(404);

    const internalPort = await freePort();
    await using internal = await startGraph({
      createRouter: (inputs: RouterInputs) =>
        createServer({ ...inputs, production: true, statusPage: true, internal: { port: internalPort } }),
    });
    expect((await fetch(`${internal.origin}/status`)).status).toBe(404);
    expect((await fetch(`${internal.origin}/status.json`)).status).toBe(404);
    const page = await fetch(`http://127.0.0.1:${internalPort}/status`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>Supergraph status</title>");
    expect((await fetch(`http://127.0.0.1:${internalPort}/status.json`)).status).toBe(200);
  });
});

describe("STATUS_PAGE", () => {
  const secrets = { JWT_SECRET: "j".repeat(40), SUBGRAPH_SIGNING_SECRET: "s".repeat(40) };
  it("is on in development and off in production by default; either can be switched", () => {
    expect(readConfig({}).STATUS_PAGE).toBe(true);
    expect(readConfig({ STATUS_PAGE: "off" }).STATUS_PAGE).toBe(false);
    expect(readConfig({ NODE_ENV: "production", ...secrets }).STATUS_PAGE).toBe(false);
    expect(readConfig({ NODE_ENV: "production", STATUS_PAGE: "on", ...secrets }).STATUS_PAGE).toBe(true);
    expect(() => readConfig({ STATUS_PAGE: "sometimes" })).toThrow(/STATUS_PAGE/);
  });
});
