import {
  bearer,
  type MetricsScrape,
  postGraphQL,
  type System,
  scrapeMetrics,
  sendGraphQL,
  startSystem,
} from "@supergraph/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let system: System;

beforeAll(async () => {
  system = await startSystem();
});

afterAll(async () => {
  await system?.shutdown();
});

const scrape = (name: string) => scrapeMetrics(`${system.url(name)}/metrics`);
const scrapeAll = async () => ({
  router: await scrape("router"),
  users: await scrape("users"),
  products: await scrape("products"),
});

/** The same series, from one scrape to the next: how much it grew. */
const grew = (before: MetricsScrape, after: MetricsScrape, name: string, labels: Record<string, string> = {}) =>
  after.value(name, labels) - before.value(name, labels);

/** How many more successful requests a subgraph served for the two joined operations. */
const fetchesGrew = (before: MetricsScrape, after: MetricsScrape) => {
  const joined = ({ operation = "", outcome }: Readonly<Record<string, string>>) =>
    outcome === "success" && /^(UsersWithProducts|ProductsWithCreators)__/.test(operation);
  return after.sum("graphql_requests_total", joined) - before.sum("graphql_requests_total", joined);
};

/** A query nested `depth` levels: users, products, createdBy, products, ... */
function deepQuery(depth: number): string {
  let selection = "name";
  for (let level = 0; level < depth; level++) {
    selection = level % 2 === 0 ? `products { nodes { ${selection} } }` : `createdBy { ${selection} }`;
  }
  return `query TooDeep { users { nodes { ${selection} } } }`;
}

describe("GET /metrics on every service (three real processes)", () => {
  it("names every series, and their values move with traffic", async () => {
    const before = await scrapeAll();
    for (const service of Object.values(before)) {
      expect(service.type("graphql_requests_total")).toBe("counter");
      expect(service.type("graphql_request_duration_seconds")).toBe("histogram");
      expect(service.type("http_requests_total")).toBe("counter");
      expect(service.value("process_cpu_user_seconds_total")).toBeGreaterThan(0);
      expect(service.value("process_resident_memory_bytes")).toBeGreaterThan(0);
      expect(service.type("nodejs_eventloop_lag_seconds")).toBe("gauge");
    }
    const { router, users, products } = before;
    expect(router.type("router_subgraph_fetch_duration_seconds")).toBe("histogram");
    expect(router.type("router_subgraph_tries_total")).toBe("counter");
    expect(router.type("router_subgraph_retries_total")).toBe("counter");
    expect(router.has("router_rejections_total", { reason: "QUERY_TOO_DEEP", kind: "limit" })).toBe(true);
    expect(router.has("router_rejections_total", { reason: "UNAUTHENTICATED", kind: "auth" })).toBe(true);
    for (const subgraph of ["users", "products"]) {
      const replica = `${system.url(subgraph)}/graphql`;
      expect(router.value("router_subgraph_circuit_state", { subgraph, replica }), subgraph).toBe(0);
      expect(router.series("router_subgraph_circuit_state")).toContainEqual({ subgraph, replica });
    }
    for (const subgraph of [users, products]) {
      expect(subgraph.type("subgraph_entity_batch_size")).toBe("histogram");
      expect(subgraph.type("subgraph_store_query_duration_seconds")).toBe("histogram");
      expect(subgraph.has("subgraph_signature_rejections_total", { reason: "unsigned" })).toBe(true);
    }

    // A joined query both ways (users with their products, products with their creators), signed in.
    const headers = await bearer("1");
    const joined = await postGraphQL(
      system.routerUrl,
      "query UsersWithProducts { users { nodes { name products { nodes { name } } } } }",
      { headers },
    );
    expect(joined.errors).toBeUndefined();
    expect(joined.data).toMatchObject({ users: { nodes: [{ name: "Alice" }, { name: "Bob" }] } });
    const creators = await postGraphQL(
      system.routerUrl,
      "query ProductsWithCreators { products { nodes { name createdBy { name } } } }",
      { headers },
    );
    expect(creators.errors).toBeUndefined();
    // Refused by a limit before any subgraph runs, and by the token check.
    const deep = await sendGraphQL(system.routerUrl, deepQuery(12), { headers });
    expect(deep.body.errors?.[0]?.extensions?.code).toBe("QUERY_TOO_DEEP");
    const forged = await sendGraphQL(system.routerUrl, "{ users { nodes { name } } }", {
      headers: { authorization: "Bearer not-a-token" },
    });
    expect(forged.status).toBe(401);
    // Straight to a subgraph, unsigned.
    expect((await sendGraphQL(`${system.url("users")}/graphql`, "{ users { nodes { name } } }")).status).toBe(401);

    const after = await scrapeAll();
    const r = (name: string, labels?: Record<string, string>) => grew(router, after.router, name, labels);
    expect(r("graphql_requests_total", { operation: "UsersWithProducts", outcome: "success" })).toBe(1);
    expect(r("graphql_requests_total", { operation: "ProductsWithCreators", outcome: "success" })).toBe(1);
    expect(r("graphql_request_duration_seconds_count", { operation: "UsersWithProducts" })).toBe(1);
    expect(r("graphql_request_duration_seconds_sum", { operation: "UsersWithProducts" })).toBeGreaterThan(0);
    expect(r("graphql_requests_total", { outcome: "QUERY_TOO_DEEP" })).toBe(1);
    expect(r("router_rejections_total", { reason: "QUERY_TOO_DEEP", kind: "limit" })).toBe(1);
    expect(r("router_rejections_total", { reason: "UNAUTHENTICATED", kind: "auth" })).toBe(1);
    expect(r("router_rejections_total")).toBe(2);
    // Each joined query fetched from both subgraphs, once each.
    for (const subgraph of ["users", "products"]) {
      expect(r("router_subgraph_fetch_duration_seconds_count", { subgraph, outcome: "ok" }), subgraph).toBe(2);
      expect(r("router_subgraph_fetch_duration_seconds_sum", { subgraph }), subgraph).toBeGreaterThan(0);
      expect(r("router_subgraph_tries_total", { subgraph, outcome: "ok" }), subgraph).toBe(2);
      expect(after.router.value("router_subgraph_replica_reachable", { subgraph }), subgraph).toBe(1);
    }
    expect(r("router_subgraph_retries_total")).toBe(0);

    const u = (name: string, labels?: Record<string, string>) => grew(users, after.users, name, labels);
    // The creators of both products, looked up in one batch of two ids.
    expect(u("subgraph_entity_batch_size_count", { entity: "User", method: "findByIds" })).toBe(1);
    expect(u("subgraph_entity_batch_size_sum", { entity: "User", method: "findByIds" })).toBe(2);
    expect(u("subgraph_store_query_duration_seconds_count", { method: "list", outcome: "ok" })).toBe(1);
    expect(u("subgraph_store_query_duration_seconds_count", { method: "findByIds", outcome: "ok" })).toBe(1);
    // The router's fetches are named after the client's operation (its health probes are anonymous).
    expect(fetchesGrew(users, after.users)).toBe(2);
    expect(u("graphql_requests_total", { outcome: "SIGNATURE_INVALID" })).toBe(1);
    expect(u("subgraph_signature_rejections_total", { reason: "unsigned" })).toBe(1);

    const p = (name: string, labels?: Record<string, string>) => grew(products, after.products, name, labels);
    // Both users' product pages, in one batch of two creators.
    expect(p("subgraph_entity_batch_size_count", { entity: "Product", method: "pagesByCreators" })).toBe(1);
    expect(p("subgraph_entity_batch_size_sum", { entity: "Product", method: "pagesByCreators" })).toBe(2);
    expect(p("subgraph_store_query_duration_seconds_count", { method: "list", outcome: "ok" })).toBe(1);
    expect(fetchesGrew(products, after.products)).toBe(2);
    expect(p("subgraph_signature_rejections_total")).toBe(0);
  });
});
