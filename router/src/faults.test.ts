import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ErrorCode } from "@supergraph/error-codes";
import { type Graph, postGraphQL as query, type RouterInputs, startGraph } from "@supergraph/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SubgraphSection } from "./fault/settings.js";
import type { ReadinessReport } from "./plugins/readiness.js";
import { createServer, type ServerDeps } from "./server.js";

/** Short windows so a test sees a circuit open and close within a second. */
const FAST: SubgraphSection = {
  timeoutMs: 300,
  retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 },
  circuitBreaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 300 },
  healthCheck: { intervalMs: 0 },
};

async function ready(graph: Graph): Promise<{ status: number; body: ReadinessReport }> {
  const response = await fetch(`${graph.origin}/ready`);
  return { status: response.status, body: (await response.json()) as ReadinessReport };
}

const userWithProducts = '{ user(id: "1") { name products { title } } }';
const productsError = (code: string, message: string) => ({ message, extensions: { code, serviceName: "products" } });

/** The router over the test graph, with more of its options. */
const router = (options: Partial<ServerDeps>) => (inputs: RouterInputs) => createServer({ ...inputs, ...options });

/** FAST, with a circuit breaker that never opens within a test. */
const NO_BREAKER: SubgraphSection = { ...FAST, circuitBreaker: { enabled: false } };

describe("partial results when a subgraph fails (exact response shapes)", () => {
  let graph: Graph;
  beforeAll(async () => {
    graph = await startGraph({ chaos: ["products"], createRouter: router({ subgraphSettings: { all: NO_BREAKER } }) });
  });
  afterAll(() => graph?.close());

  it("products dropping connections: users' fields arrive, products' field is null, one SUBGRAPH_UNAVAILABLE error", async () => {
    const chaos = graph.chaosOf("products");
    chaos.mode = "reset";
    expect(await query(graph.routerUrl, userWithProducts)).toEqual({
      errors: [productsError("SUBGRAPH_UNAVAILABLE", 'Subgraph "products" is unavailable: it could not be reached.')],
      data: { user: { name: "Ada", products: null } },
    });
    expect(chaos.hits).toBe(3); // a query: tried maxAttempts times
    chaos.mode = 503;
    expect((await query(graph.routerUrl, userWithProducts)).errors).toEqual([
      productsError("SUBGRAPH_UNAVAILABLE", 'Subgraph "products" is unavailable: it responded with HTTP 503.'),
    ]);
  });

  it("a 2xx reply that is not GraphQL JSON: SUBGRAPH_UNAVAILABLE", async () => {
    const chaos = graph.chaosOf("products");
    chaos.mode = 200;
    expect((await query(graph.routerUrl, userWithProducts)).errors).toEqual([
      productsError("SUBGRAPH_UNAVAILABLE", 'Subgraph "products" is unavailable: its response was not GraphQL JSON.'),
    ]);
    chaos.mode = "pass";
  });

  it("a query only the failed subgraph can answer: HTTP 200, data null, the one error", async () => {
    const chaos = graph.chaosOf("products");
    chaos.mode = "reset";
    const response = await fetch(graph.routerUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ products { title } }" }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      errors: [productsError("SUBGRAPH_UNAVAILABLE", 'Subgraph "products" is unavailable: it could not be reached.')],
      data: null,
    });
    chaos.mode = "pass";
  });

  it("a hung subgraph: SUBGRAPH_TIMEOUT for its part, and the request answers promptly", async () => {
    const chaos = graph.chaosOf("products");
    chaos.mode = "hang";
    const started = Date.now();
    const result = await query(graph.routerUrl, userWithProducts);
    expect(Date.now() - started).toBeLessThan(5000); // timeoutMs is 300
    expect(result).toEqual({
      errors: [productsError("SUBGRAPH_TIMEOUT", 'Subgraph "products" did not answer within 300 ms.')],
      data: { user: { name: "Ada", products: null } },
    });
    chaos.mode = "pass";
  });
});

describe("circuit breaker through the router", () => {
  let graph: Graph;
  beforeAll(async () => {
    graph = await startGraph({ chaos: ["products"], createRouter: router({ subgraphSettings: { all: FAST } }) });
  });
  afterAll(() => graph?.close());

  it("after repeated failures the circuit opens: CIRCUIT_OPEN at once, products not called; it closes on recovery", async () => {
    const chaos = graph.chaosOf("products");
    chaos.mode = 503;
    for (let i = 0; i < 3; i++) await query(graph.routerUrl, userWithProducts);
    const hits = chaos.hits;
    expect(await query(graph.routerUrl, userWithProducts)).toEqual({
      errors: [
        productsError(
          "CIRCUIT_OPEN",
          'Subgraph "products" is unavailable: its circuit breaker is open after repeated failures, so it was not called.',
        ),
      ],
      data: { user: { name: "Ada", products: null } },
    });
    expect(chaos.hits).toBe(hits);

    const degraded = await ready(graph);
    expect(degraded.status).toBe(200); // the router still serves: it stays in rotation
    expect(degraded.body).toMatchObject({
      status: "ready",
      degraded: true,
      subgraphs: { users: { status: "up" }, products: { status: "down", replicas: [{ circuit: "open" }] } },
    });

    chaos.mode = "pass";
    await expect
      .poll(async () => (await query(graph.routerUrl, userWithProducts)).data, { timeout: 5000, interval: 100 })
      .toEqual({ user: { name: "Ada", products: [{ title: "Lamp" }] } });
    expect((await ready(graph)).body.subgraphs.products?.replicas[0]?.circuit).toBe("closed");
  });
});

describe("retries through the router", () => {
  let graph: Graph;
  beforeAll(async () => {
    graph = await startGraph({ chaos: ["users"], createRouter: router({ subgraphSettings: { all: NO_BREAKER } }) });
  });
  afterAll(() => graph?.close());

  it("retries a query on 503 but sends a mutation exactly once", async () => {
    const chaos = graph.chaosOf("users");
    chaos.mode = 503;
    await query(graph.routerUrl, '{ user(id: "1") { name } }');
    expect(chaos.operations.filter((kind) => kind === "query")).toHaveLength(3);

    const result = await query(graph.routerUrl, 'mutation { renameUser(id: "1", name: "Ada L.") { id } }');
    expect(result.errors?.[0]?.extensions).toEqual({ code: ErrorCode.SUBGRAPH_UNAVAILABLE, serviceName: "users" });
    expect(chaos.operations.filter((kind) => kind === "mutation")).toHaveLength(1);
  });
});

describe("GET /ready", () => {
  let graph: Graph;
  beforeAll(async () => {
    graph = await startGraph({
      chaos: ["products"],
      createRouter: router({ subgraphSettings: { all: { ...FAST, healthCheck: { intervalMs: 50, timeoutMs: 200 } } } }),
    });
  });
  afterAll(() => graph?.close());

  it("lists each subgraph and replica, and flags degraded (still 200) while one is unreachable", async () => {
    await expect.poll(async () => (await ready(graph)).body.subgraphs.products?.replicas[0]?.reachable).toBe(true);
    const healthy = await ready(graph);
    expect(healthy.status).toBe(200);
    expect(healthy.body).toMatchObject({
      status: "ready",
      degraded: false,
      supergraph: { subgraphs: ["products", "users"] },
    });
    expect(healthy.body.subgraphs.products).toEqual({
      status: "up",
      replicas: [
        {
          url: graph.chaosOf("products").url,
          reachable: true,
          circuit: "closed",
          checkedAt: expect.any(String),
          requests: expect.any(Number),
          failures: 0,
        },
      ],
    });

    const chaos = graph.chaosOf("products");
    chaos.mode = "reset";
    await expect.poll(async () => (await ready(graph)).body.subgraphs.products?.status).toBe("down");
    const down = await ready(graph);
    expect(down.status).toBe(200);
    expect(down.body.degraded).toBe(true);
    expect(down.body.subgraphs.products?.replicas[0]).toMatchObject({ reachable: false, error: expect.any(String) });
    chaos.mode = "pass";
    await expect.poll(async () => (await ready(graph)).body.degraded).toBe(false);
  });
});

describe("supergraph hot reload", () => {
  let graph: Graph;
  let dir: string;
  let path: string;
  const description = async () =>
    (await query(graph.routerUrl, "{ __schema { queryType { description } } }")).data?.__schema;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "router-reload-"));
    path = join(dir, "supergraph.graphql");
    // The fixture composes the supergraph itself; serve it from a file the test rewrites.
    graph = await startGraph({ createRouter: router({ reload: { path, pollIntervalMs: 20 } }) });
    writeFileSync(path, graph.supergraphSdl);
  });
  afterAll(async () => {
    await graph?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Replaces the file atomically, as a deploy tool would. */
  const swap = (sdl: string) => {
    writeFileSync(`${path}.tmp`, sdl);
    renameSync(`${path}.tmp`, path);
  };

  it("serves a new valid supergraph without a restart, and keeps the old one when the new one is invalid", async () => {
    expect(await description()).toEqual({ queryType: { description: null } });
    swap(graph.supergraphSdl.replace(/^type Query/m, '"""Reloaded."""\ntype Query'));
    await expect.poll(description, { timeout: 5000 }).toEqual({ queryType: { description: "Reloaded." } });
    const reloaded = (await ready(graph)).body.supergraph;
    expect(reloaded?.loads).toBe(2);

    swap("this is not a supergraph {");
    await expect
      .poll(async () => (await ready(graph)).body.supergraph?.lastRejected, { timeout: 5000 })
      .toMatchObject({
        reason: expect.stringMatching(/Syntax Error/),
      });
    expect(await description()).toEqual({ queryType: { description: "Reloaded." } });
    expect(await query(graph.routerUrl, '{ user(id: "1") { name products { title } } }')).toEqual({
      data: { user: { name: "Ada", products: [{ title: "Lamp" }] } },
    });

    swap(graph.supergraphSdl.replace(/enum join__Graph[\s\S]*?}/, ""));
    await expect
      .poll(async () => (await ready(graph)).body.supergraph?.lastRejected?.reason, { timeout: 5000 })
      .toMatch(/join__Graph/);
    expect((await ready(graph)).body.supergraph?.loads).toBe(2);
  });
});
