import { SIGNATURE_HEADER } from "@supergraph/auth";
import { createLogger } from "@supergraph/service-kit";
import { describe, expect, it } from "vitest";
import { migrateToLatest, openSqlite } from "../src/index.js";
import { subgraphMetrics } from "../src/subgraphMetrics.js";
import { signedPost, startTestSubgraph } from "../src/testing.js";
import { things } from "./things.js";

/** The value of one exact series line of an exposition (labels in the order the metric declares them). */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** A series' value for one exact label set (`name` may end in a histogram's _count, _sum or _bucket), from the registry. */
async function metricValue(
  metrics: ReturnType<typeof subgraphMetrics>,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const metric = metrics.service.registry.getSingleMetric(name.replace(/_(count|sum|bucket)$/, ""));
  const { values } = (await metric?.get()) ?? { values: [] };
  return values.find(
    (value) =>
      ((value as { metricName?: string }).metricName ?? name) === name &&
      Object.keys(value.labels).length === Object.keys(labels).length &&
      Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected),
  )?.value;
}

describe("observeStore", () => {
  class FakeStore {
    readonly entityName = "Fake";
    readonly calls: unknown[] = [];
    async findByIds(ids: readonly number[]) {
      this.calls.push(ids);
      return ids.map((id) => ({ id }));
    }
    async fail(): Promise<never> {
      throw new Error("no such row");
    }
    plain(value: number) {
      return value * 2;
    }
  }

  it("times each call by method and outcome, on the store itself, and measures batches by entity", async () => {
    const metrics = subgraphMetrics();
    const raw = new FakeStore();
    const store = metrics.observeStore(raw);
    expect(await store.findByIds([1, 2, 3])).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(await store.findByIds([4])).toEqual([{ id: 4 }]);
    expect(raw.calls).toEqual([[1, 2, 3], [4]]);
    await expect(store.fail()).rejects.toThrow("no such row");
    expect(store.plain(21)).toBe(42);

    const duration = "subgraph_store_query_duration_seconds_count";
    expect(await metricValue(metrics, duration, { method: "findByIds", outcome: "ok" })).toBe(2);
    expect(await metricValue(metrics, duration, { method: "fail", outcome: "error" })).toBe(1);
    expect(await metricValue(metrics, duration, { method: "plain", outcome: "ok" })).toBeUndefined();
    expect(
      await metricValue(metrics, "subgraph_entity_batch_size_count", { entity: "Fake", method: "findByIds" }),
    ).toBe(2);
    expect(await metricValue(metrics, "subgraph_entity_batch_size_sum", { entity: "Fake", method: "findByIds" })).toBe(
      4,
    );
    expect(
      await metricValue(metrics, "subgraph_entity_batch_size_bucket", { entity: "Fake", method: "findByIds", le: "1" }),
    ).toBe(1);
    expect(
      await metricValue(metrics, "subgraph_entity_batch_size_bucket", { entity: "Fake", method: "findByIds", le: "5" }),
    ).toBe(2);
  });

  it("observes a method replaced after the store was wrapped", async () => {
    const metrics = subgraphMetrics();
    const raw = new FakeStore();
    const store = metrics.observeStore(raw);
    await store.findByIds([1]);
    raw.findByIds = async (ids) => ids.map((id) => ({ id: id + 100 }));
    expect(await store.findByIds([1, 2])).toEqual([{ id: 101 }, { id: 102 }]);
    expect(await metricValue(metrics, "subgraph_entity_batch_size_sum", { entity: "Fake", method: "findByIds" })).toBe(
      3,
    );
  });

  it("counts every signature refusal reason from 0", async () => {
    const metrics = subgraphMetrics();
    metrics.signatureRefused("replay");
    metrics.signatureRefused("replay");
    expect(await metricValue(metrics, "subgraph_signature_rejections_total", { reason: "replay" })).toBe(2);
    expect(await metricValue(metrics, "subgraph_signature_rejections_total", { reason: "unsigned" })).toBe(0);
  });
});

describe("a subgraph's /metrics", () => {
  it("counts requests, store calls, entity batches and signature refusals", async () => {
    await using subgraph = await startTestSubgraph(things);
    const origin = await subgraph.listen();
    const url = `${origin}/graphql`;
    const entities = {
      query: "query Refs($r: [_Any!]!) { _entities(representations: $r) { ... on Thing { label } } }",
      variables: { r: [1, 2, 3].map((id) => ({ __typename: "Thing", id: String(id) })) },
    };
    expect(await (await signedPost(url, entities)).json()).toEqual({
      data: { _entities: [{ label: "one" }, { label: "two" }, { label: "three" }] },
    });
    await signedPost(url, { query: "query List { things { nodes { id } } }" });
    const missing = await signedPost(url, {
      query: 'mutation { updateThing(id: "99", input: { label: "x" }) { id } }',
    });
    expect(await missing.json()).toMatchObject({ errors: [{ extensions: { code: "NOT_FOUND" } }] });
    expect((await fetch(url, { method: "POST", body: "{}" })).status).toBe(401);
    const forged = await signedPost(
      url,
      { query: "{ things { nodes { id } } }" },
      { headers: { [SIGNATURE_HEADER]: `t=${Date.now()},n=abc,v1=${"0".repeat(64)}` } },
    );
    expect(forged.status).toBe(401);

    const response = await fetch(`${origin}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(sample(text, 'graphql_requests_total{operation="Refs",outcome="success"}')).toBe(1);
    expect(sample(text, 'graphql_requests_total{operation="List",outcome="success"}')).toBe(1);
    expect(sample(text, 'graphql_requests_total{operation="anonymous",outcome="NOT_FOUND"}')).toBe(1);
    expect(sample(text, 'graphql_requests_total{operation="anonymous",outcome="SIGNATURE_INVALID"}')).toBe(2);
    expect(sample(text, 'subgraph_entity_batch_size_count{entity="Thing",method="findByIds"}')).toBe(1);
    expect(sample(text, 'subgraph_entity_batch_size_sum{entity="Thing",method="findByIds"}')).toBe(3);
    expect(sample(text, 'subgraph_store_query_duration_seconds_count{method="findByIds",outcome="ok"}')).toBe(1);
    expect(sample(text, 'subgraph_store_query_duration_seconds_count{method="list",outcome="ok"}')).toBe(1);
    expect(sample(text, 'subgraph_store_query_duration_seconds_count{method="update",outcome="error"}')).toBe(1);
    expect(sample(text, 'subgraph_signature_rejections_total{reason="unsigned"}')).toBe(1);
    expect(sample(text, 'subgraph_signature_rejections_total{reason="mismatch"}')).toBe(1);
    expect(sample(text, 'subgraph_signature_rejections_total{reason="replay"}')).toBe(0);
    expect(sample(text, "process_resident_memory_bytes")).toBeGreaterThan(0);
  });

  it("reads METRICS: on by default, off when asked, a bad value named", () => {
    expect(things.readConfig({}).METRICS).toBe(true);
    expect(things.readConfig({ METRICS: "off" }).METRICS).toBe(false);
    expect(() => things.readConfig({ METRICS: "sometimes" })).toThrow(/METRICS/);
  });

  it("has no /metrics with metrics off", async () => {
    const logger = createLogger({ service: "things-test", level: "silent" });
    const db = openSqlite<never>({ filename: ":memory:" });
    await migrateToLatest(db, things.migrations, logger);
    await using service = await things.createServer({ db, logger, metrics: false });
    const { port } = await service.listen(0);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  });
});

describe("/metrics in production", () => {
  it("is served on an internal listener (INTERNAL_PORT, 4088 by default in production), never on the public port", async () => {
    const secret = { SUBGRAPH_SIGNING_SECRET: "s".repeat(48) };
    expect(things.readConfig({}).internal).toBeUndefined();
    expect(things.readConfig({ NODE_ENV: "production", ...secret }).internal).toEqual({
      port: 4088,
      host: "127.0.0.1",
    });
    expect(things.readConfig({ INTERNAL_PORT: "9100", INTERNAL_HOST: "0.0.0.0" }).internal).toEqual({
      port: 9100,
      host: "0.0.0.0",
    });

    const logger = createLogger({ service: "things-test", level: "silent" });
    const db = openSqlite<never>({ filename: ":memory:" });
    await migrateToLatest(db, things.migrations, logger);
    await using service = await things.createServer({ db, logger, internal: { port: 0 } });
    const { port } = await service.listen(0);
    const internal = service.internalServer?.address();
    if (!internal || typeof internal === "string") throw new Error("no internal listener");
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
    const scraped = await fetch(`http://127.0.0.1:${internal.port}/metrics`);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain("graphql_requests_total");
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  });
});
