/**
 * The router with two workers (`ROUTER_SERVER__WORKERS=2`) as real processes: the built router
 * (`node router/dist/index.js`) over the real subgraphs. Every request opens a connection of its
 * own, so the primary hands them to both workers in turn.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import {
  freePort,
  MetricsScrape,
  parsePrometheusText,
  REPO_ROOT,
  routerDeployable,
  type System,
  scratchFiles,
  startService,
  startSystem,
} from "@supergraph/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkersReport } from "./readiness.js";

/** One exchange on a connection of its own (`Connection: close`): what a worker answered. */
function exchange(url: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const call = httpRequest(
      url,
      {
        method: body === undefined ? "GET" : "POST",
        agent: false,
        headers: { connection: "close", ...(body === undefined ? {} : { "content-type": "application/json" }) },
        timeout: 10_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        response.on("error", reject);
      },
    );
    call.on("timeout", () => call.destroy(new Error(`${url}: no answer within 10 s`)));
    call.on("error", reject);
    call.end(body);
  });
}

const QUERY = JSON.stringify({
  query: "query ClusterProbe { products(first: 2) { nodes { name createdBy { name } } } }",
});

async function query(origin: string): Promise<void> {
  const { status, text } = await exchange(`${origin}/graphql`, QUERY);
  expect(status, text).toBe(200);
  const body = JSON.parse(text) as { data?: { products: { nodes: unknown[] } }; errors?: unknown };
  expect(body.errors, text).toBeUndefined();
  expect(body.data?.products.nodes.length).toBeGreaterThan(0);
}

async function metrics(origin: string): Promise<MetricsScrape> {
  const { status, text } = await exchange(`${origin}/metrics`);
  expect(status, text).toBe(200);
  return new MetricsScrape(parsePrometheusText(text));
}

type ReadyBody = { status: string; degraded: boolean; subgraphs: Record<string, unknown>; workers: WorkersReport };

async function ready(origin: string): Promise<{ status: number; body: ReadyBody }> {
  const { status, text } = await exchange(`${origin}/ready`);
  return { status, body: JSON.parse(text) as ReadyBody };
}

/** Polls `check` every 200 ms until it returns a value, at most `timeoutMs`. */
async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last: ${String(last)})` : ""}`);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The JSON log lines a process group printed. */
const logLines = (output: string) =>
  output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe("a router with two workers (server.workers: 2)", () => {
  let system: System;
  let origin: string;

  beforeAll(async () => {
    system = await startSystem({ env: { router: { ROUTER_SERVER__WORKERS: "2" } } });
    origin = system.url("router");
  });
  afterAll(async () => {
    await system?.shutdown();
  });
  /** The log lines of the probe queries from the `skip`-th on, once `count` of them are written. */
  const probeLines = (skip: number, count: number) =>
    eventually(`${count} request log lines`, 5000, async () => {
      const lines = logLines(system.logs("router"))
        .filter((line) => line.msg === "request" && line.operationName === "ClusterProbe")
        .slice(skip);
      return lines.length >= count ? lines : undefined;
    });

  it("serves on both workers; /ready and /metrics answer for the whole router on either", async () => {
    // Every worker's first request waits for its gateway: /ready says when both are ready.
    const first = await eventually("both workers ready", 20_000, async () => {
      const answer = await ready(origin);
      return answer.status === 200 ? answer : undefined;
    });
    expect(first.body.status).toBe("ready");
    expect(first.body.workers.total).toBe(2);
    expect(first.body.workers.ready).toBe(2);
    const pids = first.body.workers.processes.map(({ pid }) => pid);
    expect(new Set(pids).size).toBe(2);
    expect(pids).not.toContain(system.pid("router"));
    expect(Object.keys(first.body.subgraphs).sort()).toEqual(["products", "users"]);

    const before = await metrics(origin);
    for (let index = 0; index < 20; index++) await query(origin);

    // Both workers served: each request's log line names its worker (written within 200 ms).
    const served = await probeLines(0, 20);
    expect(new Set(served.map((line) => line.worker)).size).toBe(2);

    // Whichever worker answers /metrics, it counts all 20, and names both workers.
    const probes = { operation: "ClusterProbe", outcome: "success" };
    for (let scrape = 0; scrape < 4; scrape++) {
      const after = await metrics(origin);
      expect(after.value("graphql_requests_total", probes) - before.value("graphql_requests_total", probes)).toBe(20);
      expect(after.value("router_workers")).toBe(2);
      const info = after.samples.filter(({ name }) => name === "router_worker_info");
      expect(info.map(({ labels }) => Number(labels.pid)).sort()).toEqual([...pids].sort());
      // The subgraph fetches of both workers, summed; a circuit state is one worker's worst, not a sum.
      expect(after.value("router_subgraph_fetch_duration_seconds_count")).toBeGreaterThanOrEqual(20);
      expect(after.value("router_subgraph_circuit_state")).toBe(0);
    }
    // Several /ready requests (each on a new connection, so on both workers) agree.
    for (let probe = 0; probe < 4; probe++) {
      const { status, body } = await ready(origin);
      expect(status).toBe(200);
      expect(body.workers).toMatchObject({ total: 2, ready: 2 });
    }
  });

  it("restarts a worker killed by its PID, which then serves", async () => {
    const { body } = await ready(origin);
    const victim = body.workers.processes[0]?.pid;
    const survivor = body.workers.processes[1]?.pid;
    if (victim === undefined || survivor === undefined) throw new Error(`no worker pids in ${JSON.stringify(body)}`);
    process.kill(victim, "SIGKILL");

    // Once the primary knows (it hands no more connections to the dead worker), the other serves.
    await eventually("the primary noticed", 10_000, async () =>
      logLines(system.logs("router")).find(
        (line) => line.msg === "worker exited unexpectedly; starting another" && line.pid === victim,
      ),
    );
    await query(origin);
    const back = await eventually("a new worker ready", 30_000, async () => {
      const answer = await ready(origin);
      const current = answer.body.workers.processes.map(({ pid }) => pid);
      return answer.status === 200 && !current.includes(victim) && current.length === 2 ? current : undefined;
    });
    expect(back).toContain(survivor);
    const replacement = back.find((pid) => pid !== survivor);
    expect(alive(victim)).toBe(false);

    const scrape = await metrics(origin);
    expect(scrape.value("router_worker_restarts_total")).toBe(1);
    expect(scrape.has("router_worker_info", { pid: String(replacement) })).toBe(true);
    // The replacement serves too: requests on new connections land on both.
    const before = (await probeLines(0, 21)).length;
    for (let index = 0; index < 10; index++) await query(origin);
    const workers = (await probeLines(before, 10)).map((line) => line.worker);
    expect(new Set(workers).size).toBe(2);
  });

  it("drains every worker on SIGTERM to the primary, exits 0 and leaves no worker", async () => {
    const { body } = await ready(origin);
    const pids = body.workers.processes.map(({ pid }) => pid).filter((pid) => pid !== undefined);
    expect(pids).toHaveLength(2);
    system.signal("router", "SIGTERM");
    expect(await system.exited("router", 30_000)).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
    const stopped = logLines(system.logs("router")).filter((line) => line.msg === "stopped");
    // Both workers and the primary said so.
    expect(new Set(stopped.map((line) => line.worker))).toEqual(
      new Set([0, ...body.workers.processes.map((p) => p.worker)]),
    );
  });
});

describe("a router whose workers keep failing", () => {
  const scratch = scratchFiles("router-cluster-loop");
  afterAll(() => scratch.remove());

  it("restarts with backoff, then gives up: exits 1 and leaves no worker", async () => {
    // A supergraph the workers start with, then spoil: a restarted worker cannot start.
    const supergraph = join(scratch.dir, "supergraph.graphql");
    writeFileSync(supergraph, readFileSync(join(REPO_ROOT, "supergraph.graphql")));
    const origin = `http://127.0.0.1:${await freePort()}`;
    const router = await startService("router", origin, [process.execPath, routerDeployable().entry], {
      env: {
        ROUTER_SERVER__WORKERS: "2",
        SUPERGRAPH_PATH: supergraph,
        ROUTER_SUPERGRAPH__WATCH: "false",
        SUBGRAPH_USERS_URL: "http://127.0.0.1:9/graphql",
        SUBGRAPH_PRODUCTS_URL: "http://127.0.0.1:9/graphql",
      },
    });
    try {
      const { body } = await eventually("both workers ready", 20_000, async () => {
        const answer = await ready(origin);
        return answer.status === 200 ? answer : undefined;
      });
      writeFileSync(supergraph, "not a supergraph");
      const victim = body.workers.processes[0]?.pid as number;
      const survivor = body.workers.processes[1]?.pid as number;
      process.kill(victim, "SIGKILL");
      // 5 restarts (0.25 + 0.5 + 1 + 2 + 4 s of backoff), each failing at start; the 6th exit gives up.
      expect(await router.exited(60_000)).toBe(1);
      expect(alive(survivor)).toBe(false);
      const lines = logLines(router.output());
      const restarts = lines.filter((line) => line.msg === "worker exited unexpectedly; starting another");
      expect(restarts.map((line) => line.restartInMs)).toEqual([250, 500, 1000, 2000, 4000]);
      expect(lines.some((line) => line.msg === "workers keep exiting: giving up and stopping the router")).toBe(true);
    } finally {
      await router.stop("SIGKILL");
    }
  }, 90_000);
});
