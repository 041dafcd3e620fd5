import { printExecutableGraphQLDocument } from "@graphql-tools/documents";
import { OPERATION_LIMIT_CODES } from "@supergraph/error-codes";
import { OTHER } from "@supergraph/service-kit";
import {
  freePort,
  type Graph,
  MetricsScrape,
  parsePrometheusText,
  scrapeMetrics,
  startGraph,
} from "@supergraph/testing";
import { parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "./config.js";
import type { SubgraphStatus } from "./fault/upstream.js";
import { rejectionReason, replicaLabel, routerMetrics } from "./routerMetrics.js";
import { createServer } from "./server.js";
import { TrustedDocuments } from "./trustedDocuments.js";

const read = async (metrics: ReturnType<typeof routerMetrics>) =>
  new MetricsScrape(parsePrometheusText(await metrics.service.text()));

describe("rejectionReason", () => {
  it("counts the refusal codes, the router's own UNAUTHENTICATED (401) only, and nothing else", () => {
    for (const code of OPERATION_LIMIT_CODES) expect(rejectionReason({ outcome: code, status: 400 })).toBe(code);
    for (const code of ["RATE_LIMITED", "PERSISTED_QUERY_NOT_LISTED", "BAD_REQUEST", "GRAPHQL_PARSE_FAILED"]) {
      expect(rejectionReason({ outcome: code, status: 400 })).toBe(code);
    }
    expect(rejectionReason({ outcome: "UNAUTHENTICATED", status: 401 })).toBe("UNAUTHENTICATED");
    // A subgraph saying an operation needs a signed-in user is an answer, not the router's refusal.
    expect(rejectionReason({ outcome: "UNAUTHENTICATED", status: 200 })).toBeUndefined();
    for (const outcome of ["success", "NOT_FOUND", "SUBGRAPH_UNAVAILABLE", "other", "constructor"]) {
      expect(rejectionReason({ outcome, status: 200 })).toBeUndefined();
    }
  });
});

describe("replicaLabel", () => {
  it("keeps a replica URL's origin and path, never its credentials or query", () => {
    expect(replicaLabel("http://users:4001/graphql")).toBe("http://users:4001/graphql");
    expect(replicaLabel("https://svc:s3cret@products.internal/graphql?token=abc#x")).toBe(
      "https://products.internal/graphql",
    );
    expect(replicaLabel("not a url")).toBe(OTHER);
  });
});

describe("routerMetrics", () => {
  it("counts fetches, tries and retries by subgraph, replica and bounded outcome", async () => {
    const metrics = routerMetrics();
    const { observer } = metrics;
    observer.onFetch?.({ subgraph: "users", durationMs: 12, outcome: "ok", tries: 1 });
    observer.onFetch?.({ subgraph: "users", durationMs: 3000, outcome: "SUBGRAPH_TIMEOUT", tries: 2 });
    observer.onFetch?.({ subgraph: "users", durationMs: 1, outcome: "ERROR", tries: 1 });
    observer.onTry?.({
      subgraph: "users",
      replica: "http://u1:4001/graphql",
      durationMs: 5,
      outcome: "ok",
      status: 200,
    });
    observer.onTry?.({ subgraph: "users", replica: "http://u1:4001/graphql", durationMs: 5, outcome: "timeout" });
    observer.onTry?.({ subgraph: "users", replica: "http://u2:4001/graphql", durationMs: 5, outcome: "timeout" });
    observer.onRetry?.({ subgraph: "users", attempt: 1 });

    const scrape = await read(metrics);
    const fetches = "router_subgraph_fetch_duration_seconds_count";
    expect(scrape.value(fetches, { subgraph: "users", outcome: "ok" })).toBe(1);
    expect(scrape.value(fetches, { subgraph: "users", outcome: "SUBGRAPH_TIMEOUT" })).toBe(1);
    expect(scrape.value(fetches, { subgraph: "users", outcome: OTHER })).toBe(1);
    expect(scrape.value("router_subgraph_fetch_duration_seconds_sum", { subgraph: "users" })).toBeCloseTo(3.013);
    expect(scrape.value("router_subgraph_fetch_duration_seconds_bucket", { outcome: "ok", le: "0.01" })).toBe(0);
    expect(scrape.value("router_subgraph_fetch_duration_seconds_bucket", { outcome: "ok", le: "0.025" })).toBe(1);
    const tries = "router_subgraph_tries_total";
    expect(scrape.value(tries, { replica: "http://u1:4001/graphql", outcome: "ok" })).toBe(1);
    expect(scrape.value(tries, { replica: "http://u1:4001/graphql", outcome: "timeout" })).toBe(1);
    expect(scrape.value(tries, { subgraph: "users", outcome: "timeout" })).toBe(2);
    expect(scrape.value("router_subgraph_retries_total", { subgraph: "users" })).toBe(1);
  });

  it("reads circuit states and reachability at scrape time", async () => {
    const metrics = routerMetrics();
    const replica = (url: string, circuit: "closed" | "open" | "halfOpen", reachable: boolean | null) => ({
      url,
      circuit,
      reachable,
      checkedAt: null,
      requests: 0,
      failures: 0,
    });
    let status: Record<string, SubgraphStatus> = {
      users: {
        status: "degraded",
        replicas: [replica("http://u1/graphql", "closed", true), replica("http://u2/graphql", "open", false)],
      },
      products: { status: "up", replicas: [replica("http://p1/graphql", "halfOpen", null)] },
    };
    metrics.watch(() => status);
    let scrape = await read(metrics);
    const circuit = "router_subgraph_circuit_state";
    const reachable = "router_subgraph_replica_reachable";
    expect(scrape.value(circuit, { subgraph: "users", replica: "http://u1/graphql" })).toBe(0);
    expect(scrape.value(circuit, { subgraph: "users", replica: "http://u2/graphql" })).toBe(2);
    expect(scrape.value(circuit, { subgraph: "products", replica: "http://p1/graphql" })).toBe(1);
    expect(scrape.value(reachable, { replica: "http://u1/graphql" })).toBe(1);
    expect(scrape.value(reachable, { replica: "http://u2/graphql" })).toBe(0);
    // Not known yet: no sample rather than a guess.
    expect(scrape.has(reachable, { replica: "http://p1/graphql" })).toBe(false);

    // A replica that is gone is no longer reported.
    status = { users: { status: "up", replicas: [replica("http://u1/graphql", "closed", true)] } };
    scrape = await read(metrics);
    expect(scrape.series(circuit)).toEqual([{ subgraph: "users", replica: "http://u1/graphql" }]);
  });

  it("starts every rejection reason at 0", async () => {
    const scrape = await read(routerMetrics());
    for (const code of OPERATION_LIMIT_CODES) {
      expect(scrape.has("router_rejections_total", { reason: code, kind: "limit" }), code).toBe(true);
    }
    expect(scrape.value("router_rejections_total")).toBe(0);
    expect(scrape.has("router_rejections_total", { reason: "UNAUTHENTICATED", kind: "auth" })).toBe(true);
  });

  it("labels the trusted documents' operations by name", () => {
    const text = (document: string) => printExecutableGraphQLDocument(parse(document));
    const trusted = new TrustedDocuments([
      {
        source: "manifest.json",
        documents: new Map([
          ["a", text("query Listed { products { title } } query AlsoListed { products { title } }")],
          ["b", text("{ products { title } }")],
        ]),
      },
    ]);
    expect([...trusted.operationNames].sort()).toEqual(["AlsoListed", "Listed"]);
    const { operations } = routerMetrics({ knownOperations: trusted.operationNames }).service;
    for (let index = 0; index < 150; index++) operations.label(`Unlisted${index}`);
    expect(operations.label("Listed")).toBe("Listed");
    expect(operations.label("Unlisted149")).toBe(OTHER);
  });
});

/** A query `depth` levels deep over the tiny graph: products, createdBy, products, ... */
function deepQuery(depth: number): string {
  let selection = "title";
  for (let level = 1; level < depth; level++) {
    selection = level % 2 === 1 ? `createdBy { products { ${selection} } }` : `title ${selection}`;
  }
  return `query TooDeep { products { ${selection} } }`;
}

describe("the router's /metrics over a live graph", () => {
  let graph: Graph;
  beforeAll(async () => {
    graph = await startGraph({ createRouter: createServer, chaos: ["products"] });
  });
  afterAll(() => graph?.close());

  const post = (query: string) =>
    fetch(graph.routerUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query }),
    });

  it("counts requests, subgraph fetches, a retried try, and a refusal by its limit", async () => {
    const before = await scrapeMetrics(`${graph.origin}/metrics`);
    expect(before.type("router_subgraph_fetch_duration_seconds")).toBe("histogram");
    expect(before.type("graphql_requests_total")).toBe("counter");
    expect(before.value("router_rejections_total", { reason: "QUERY_TOO_DEEP" })).toBe(0);

    graph.chaosOf("products").next.push(503);
    const joined = await post("query Joined { products { title createdBy { name } } }");
    expect(await joined.json()).toMatchObject({ data: { products: [{ createdBy: { name: "Ada" } }, {}] } });
    const deep = await post(deepQuery(30));
    expect(((await deep.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
      "QUERY_TOO_DEEP",
    );

    const after = await scrapeMetrics(`${graph.origin}/metrics`);
    expect(after.value("graphql_requests_total", { operation: "Joined", outcome: "success" })).toBe(1);
    expect(after.value("graphql_request_duration_seconds_count", { operation: "Joined" })).toBe(1);
    expect(after.value("graphql_requests_total", { outcome: "QUERY_TOO_DEEP" })).toBe(1);
    expect(after.value("router_rejections_total", { reason: "QUERY_TOO_DEEP", kind: "limit" })).toBe(1);
    const fetches = "router_subgraph_fetch_duration_seconds_count";
    expect(after.value(fetches, { subgraph: "products", outcome: "ok" })).toBe(1);
    expect(after.value(fetches, { subgraph: "users", outcome: "ok" })).toBe(1);
    expect(after.value("router_subgraph_tries_total", { subgraph: "products", outcome: "failure_status" })).toBe(1);
    expect(after.value("router_subgraph_tries_total", { subgraph: "products", outcome: "ok" })).toBe(1);
    expect(after.value("router_subgraph_retries_total", { subgraph: "products" })).toBe(1);
    expect(after.value("router_subgraph_circuit_state", { subgraph: "products" })).toBe(0);
    expect(
      after
        .series("router_subgraph_circuit_state")
        .map(({ subgraph }) => subgraph)
        .sort(),
    ).toEqual(["products", "users"]);
    expect(after.value("http_requests_total", { route: "/metrics", status: "200" })).toBe(1);
  });
});

describe("the router with an internal listener (production)", () => {
  it("serves /metrics on the internal port only", async () => {
    const port = await freePort();
    await using graph = await startGraph({
      createRouter: (inputs) => createServer({ ...inputs, internal: { port, host: "127.0.0.1" } }),
    });
    expect((await fetch(`${graph.origin}/metrics`)).status).toBe(404);
    const internal = await scrapeMetrics(`http://127.0.0.1:${port}/metrics`);
    expect(internal.type("router_rejections_total")).toBe("counter");
  });
});

describe("the router with metrics off", () => {
  it("reads METRICS: on by default, off when asked, a bad value named", () => {
    expect(readConfig({}).METRICS).toBe(true);
    expect(readConfig({ METRICS: "off" }).METRICS).toBe(false);
    expect(() => readConfig({ METRICS: "sometimes" })).toThrow(/METRICS/);
  });

  it("has no /metrics", async () => {
    await using graph = await startGraph({ createRouter: (inputs) => createServer({ ...inputs, metrics: false }) });
    expect((await fetch(`${graph.origin}/metrics`)).status).toBe(404);
  });
});
