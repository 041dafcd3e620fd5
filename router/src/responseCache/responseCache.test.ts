/**
 * The response cache over the in-process graph: two tiny subgraphs behind the real router, each
 * reached through a proxy that adds the `Cache-Control` header a subgraph's cache hints would
 * (as the test says, per query) and records every request the subgraph gets. The router's clock
 * is the test's, so TTLs are checked without waiting.
 */
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createTokenVerifier, DEVELOPMENT_SECRETS } from "@supergraph/auth";
import { bearer, type GraphQLExchange, scrapeMetrics, sendGraphQL, startGraph } from "@supergraph/testing";
import { describe, expect, it } from "vitest";
import { resolveSecuritySettings } from "../security/settings.js";
import { createServer } from "../server.js";
import { listSubgraphs } from "../supergraph.js";
import { CACHE_STATUS_HEADER } from "./responseCache.js";
import { RESPONSE_CACHE_DEFAULTS } from "./settings.js";

/** A subgraph's stand-in for its cache hints: the Cache-Control value for a query, or undefined for none. */
type Hint = (query: string) => string | undefined;

/** In front of a subgraph: adds the hint's Cache-Control header to each answer and records the queries it forwards. */
interface HintingProxy extends AsyncDisposable {
  url: string;
  hint: Hint;
  /** The GraphQL documents the subgraph was sent (health-check probes left out). */
  queries: string[];
}

async function startHintingProxy(target: string, hint: Hint): Promise<HintingProxy> {
  const server = createHttpServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const query = (JSON.parse(body) as { query?: string }).query ?? "";
    if (!query.includes("__RouterHealthCheck")) proxy.queries.push(query);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === "string" && !["host", "connection", "content-length"].includes(name)) headers[name] = value;
    }
    const answer = await fetch(target, { method: "POST", headers, body });
    const cacheControl = proxy.hint(query);
    response.writeHead(answer.status, {
      "content-type": answer.headers.get("content-type") ?? "application/json",
      ...(cacheControl ? { "cache-control": cacheControl } : {}),
    });
    response.end(await answer.text());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  const proxy: HintingProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    hint,
    queries: [],
    [Symbol.asyncDispose]: close,
  };
  return proxy;
}

const PUBLIC_60: Hint = () => "max-age=60, public";
/** What the users subgraph would say with `whoami` marked PRIVATE (it answers who the caller is). */
const USERS_HINT: Hint = (query) => (query.includes("whoami") ? "max-age=60, private" : "max-age=60, public");

/**
 * The tiny graph behind a router with the response cache on (unless `responseCache` says otherwise),
 * each subgraph behind a hinting proxy; `advance` moves the router's clock.
 */
async function startCachedGraph({
  responseCache = { ...RESPONSE_CACHE_DEFAULTS, enabled: true },
  hints = { users: USERS_HINT, products: PUBLIC_60 },
}: {
  /** null: the router's default (off). */
  responseCache?: typeof RESPONSE_CACHE_DEFAULTS | null;
  hints?: Record<"users" | "products", Hint>;
} = {}) {
  let clock = Date.now();
  const proxies: Partial<Record<string, HintingProxy>> = {};
  const settings = resolveSecuritySettings({});
  const graph = await startGraph({
    createRouter: async ({ supergraphSdl, logger }) => {
      const subgraphUrls: Record<string, string> = {};
      for (const { name, url } of listSubgraphs(supergraphSdl)) {
        const proxy = await startHintingProxy(url, hints[name as "users" | "products"]);
        proxies[name] = proxy;
        subgraphUrls[name] = proxy.url;
      }
      return createServer({
        supergraphSdl,
        subgraphUrls,
        logger,
        security: {
          verifyToken: createTokenVerifier({ secret: DEVELOPMENT_SECRETS.jwtSecret, ...settings.authentication }),
          signingSecret: "response-cache-test-signing-secret-0123456789",
          settings,
        },
        ...(responseCache ? { responseCache: { ...responseCache, now: () => clock } } : {}),
      });
    },
  });
  const proxyOf = (name: "users" | "products") => {
    const proxy = proxies[name];
    if (!proxy) throw new Error(`no proxy in front of ${name}`);
    return proxy;
  };
  return {
    graph,
    users: proxyOf("users"),
    products: proxyOf("products"),
    /** Requests both subgraphs got so far. */
    calls: () => proxyOf("users").queries.length + proxyOf("products").queries.length,
    advance: (seconds: number) => {
      clock += seconds * 1000;
    },
    send: (query: string, headers: Record<string, string> = {}, variables?: Record<string, unknown>) =>
      sendGraphQL(graph.routerUrl, query, { headers, ...(variables ? { variables } : {}) }),
    async [Symbol.asyncDispose]() {
      await graph.close();
      await Promise.all(Object.values(proxies).map((proxy) => proxy?.[Symbol.asyncDispose]()));
    },
  };
}

const cacheStatus = (exchange: GraphQLExchange) => exchange.headers.get(CACHE_STATUS_HEADER);

const PRODUCTS_WITH_CREATORS = "{ products { title createdBy { name } } }";
const CATALOG = {
  products: [
    { title: "Lamp", createdBy: { name: "Ada" } },
    { title: "Desk", createdBy: { name: "Grace" } },
  ],
};

describe("the response cache (in-process graph, hinted by proxies)", () => {
  it("serves a hinted query from the cache the second time: no subgraph is called", async () => {
    await using cached = await startCachedGraph();
    const first = await cached.send(PRODUCTS_WITH_CREATORS);
    expect(first.body).toEqual({ data: CATALOG });
    expect(cacheStatus(first)).toBe("MISS");
    expect(first.headers.get("cache-control")).toBe("max-age=60, public");
    const calls = cached.calls();
    expect(calls).toBe(2); // products, then the creators from users

    cached.advance(7);
    const second = await cached.send(PRODUCTS_WITH_CREATORS);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ data: CATALOG });
    expect(cacheStatus(second)).toBe("HIT");
    expect(second.headers.get("age")).toBe("7");
    expect(second.headers.get("cache-control")).toBe("max-age=60, public");
    expect(cached.calls()).toBe(calls);
  });

  it("keys entries by document, operation name and variables", async () => {
    await using cached = await startCachedGraph();
    const document = "query A($id: ID!) { user(id: $id) { name } } query B($id: ID!) { user(id: $id) { id name } }";
    const run = (operationName: string, id: string) =>
      sendGraphQL(cached.graph.routerUrl, document, { operationName, variables: { id } });
    expect((await run("A", "1")).body).toEqual({ data: { user: { name: "Ada" } } });
    expect((await run("A", "2")).body).toEqual({ data: { user: { name: "Grace" } } });
    expect((await run("B", "1")).body).toEqual({ data: { user: { id: "1", name: "Ada" } } });
    expect(cached.users.queries).toHaveLength(3);
    const again = await run("A", "2");
    expect(again.body).toEqual({ data: { user: { name: "Grace" } } });
    expect(cacheStatus(again)).toBe("HIT");
    expect(cached.users.queries).toHaveLength(3);
  });

  it("keeps an entry for the smallest max-age of the subgraphs involved, then asks them again", async () => {
    await using cached = await startCachedGraph({
      hints: { users: () => "max-age=5, public", products: () => "max-age=60, public" },
    });
    const first = await cached.send(PRODUCTS_WITH_CREATORS);
    expect(first.headers.get("cache-control")).toBe("max-age=5, public");
    cached.advance(4);
    expect(cacheStatus(await cached.send(PRODUCTS_WITH_CREATORS))).toBe("HIT");
    expect(cached.calls()).toBe(2);
    cached.advance(1);
    const expired = await cached.send(PRODUCTS_WITH_CREATORS);
    expect(cacheStatus(expired)).toBe("MISS");
    expect(expired.body).toEqual({ data: CATALOG });
    expect(cached.calls()).toBe(4);
  });

  it("never caches a response any subgraph sent without a hint", async () => {
    await using cached = await startCachedGraph({ hints: { users: USERS_HINT, products: () => undefined } });
    for (const query of ["{ products { title } }", PRODUCTS_WITH_CREATORS]) {
      const first = await cached.send(query);
      const second = await cached.send(query);
      expect(second.body).toEqual(first.body);
      expect([cacheStatus(first), cacheStatus(second)]).toEqual(["MISS", "MISS"]);
      expect(second.headers.get("cache-control")).toBe("no-store");
    }
    expect(cached.products.queries).toHaveLength(4);
    // The hinted users subgraph alone is cached as usual.
    await cached.send('{ user(id: "1") { name } }');
    expect(cacheStatus(await cached.send('{ user(id: "1") { name } }'))).toBe("HIT");
  });

  it("never caches a response with errors", async () => {
    await using cached = await startCachedGraph();
    const failing = '{ user(id: "boom") { name } }';
    const first = await cached.send(failing);
    expect(first.body.errors?.length).toBe(1);
    await cached.send(failing);
    expect(cached.users.queries).toHaveLength(2);
  });

  it("keeps PRIVATE responses per caller: one caller's answer is never served to another", async () => {
    await using cached = await startCachedGraph();
    const ada = await bearer("1");
    const grace = await bearer("2");
    const adaAdmin = await bearer("1", ["admin"]);
    const whoami = "{ whoami }";

    const adaFirst = await cached.send(whoami, ada);
    expect(adaFirst.body).toEqual({ data: { whoami: "1" } });
    expect(adaFirst.headers.get("cache-control")).toBe("max-age=60, private");
    const graceFirst = await cached.send(whoami, grace);
    expect(graceFirst.body).toEqual({ data: { whoami: "2" } });
    expect(cacheStatus(graceFirst)).toBe("MISS");
    // The same user with other scopes is another caller.
    expect((await cached.send(whoami, adaAdmin)).body).toEqual({ data: { whoami: "1 admin" } });
    expect(cached.users.queries).toHaveLength(3);

    const adaAgain = await cached.send(whoami, ada);
    const graceAgain = await cached.send(whoami, grace);
    expect([cacheStatus(adaAgain), cacheStatus(graceAgain)]).toEqual(["HIT", "HIT"]);
    expect(adaAgain.body).toEqual({ data: { whoami: "1" } });
    expect(graceAgain.body).toEqual({ data: { whoami: "2" } });
    expect(cached.users.queries).toHaveLength(3);

    // Anonymous callers are nobody in particular: a PRIVATE answer is never kept for them.
    expect((await cached.send(whoami)).body).toEqual({ data: { whoami: null } });
    const anonymousAgain = await cached.send(whoami);
    expect(anonymousAgain.body).toEqual({ data: { whoami: null } });
    expect(cacheStatus(anonymousAgain)).toBe("MISS");
    expect(cached.users.queries).toHaveLength(5);
  });

  it("shares a PUBLIC entry with every caller, signed in or not", async () => {
    await using cached = await startCachedGraph();
    const query = '{ user(id: "2") { name } }';
    await cached.send(query, await bearer("1"));
    for (const headers of [await bearer("2"), {}]) {
      const answer = await cached.send(query, headers);
      expect(cacheStatus(answer)).toBe("HIT");
      expect(answer.body).toEqual({ data: { user: { name: "Grace" } } });
    }
    expect(cached.users.queries).toHaveLength(1);
  });

  it("a mutation evicts the entries selecting a type it returns, and only those", async () => {
    await using cached = await startCachedGraph();
    const productsOnly = "{ products { title } }";
    const user = '{ user(id: "1") { name } }';
    for (const query of [PRODUCTS_WITH_CREATORS, productsOnly, user]) await cached.send(query);
    const before = cached.calls();

    const renamed = await cached.send('mutation { renameUser(id: "1", name: "Ada L") { id name } }', await bearer("1"));
    expect(renamed.body).toEqual({ data: { renameUser: { id: "1", name: "Ada L" } } });
    expect(cacheStatus(renamed)).toBeNull();
    expect(cached.calls()).toBe(before + 1);

    // renameUser returns a User: every entry holding a User goes; the products-only one stays.
    const [withCreators, onlyProducts, theUser] = [
      await cached.send(PRODUCTS_WITH_CREATORS),
      await cached.send(productsOnly),
      await cached.send(user),
    ];
    expect([cacheStatus(withCreators), cacheStatus(onlyProducts), cacheStatus(theUser)]).toEqual([
      "MISS",
      "HIT",
      "MISS",
    ]);
    expect(cached.calls()).toBe(before + 1 + 3);
  });

  it("a failed mutation evicts too: it may have changed something before failing", async () => {
    await using cached = await startCachedGraph();
    const user = '{ user(id: "1") { name } }';
    await cached.send(user);
    const refused = await cached.send('mutation { renameUser(id: "1", name: "Grace") { id } }');
    expect(refused.body.errors?.[0]?.extensions?.code).toBe("CONFLICT");
    expect(cacheStatus(await cached.send(user))).toBe("MISS");
  });

  it("counts lookups, stores and evictions in /metrics", async () => {
    await using cached = await startCachedGraph();
    const user = '{ user(id: "1") { name } }';
    await cached.send(user);
    await cached.send(user);
    await cached.send('mutation { renameUser(id: "1", name: "Ada L") { id } }');
    const metrics = await scrapeMetrics(`${cached.graph.origin}/metrics`);
    expect(metrics.value("router_response_cache_lookups_total", { result: "hit" })).toBe(1);
    expect(metrics.value("router_response_cache_lookups_total", { result: "miss" })).toBe(1);
    expect(metrics.value("router_response_cache_stores_total")).toBe(1);
    expect(metrics.value("router_response_cache_evictions_total", { reason: "mutation" })).toBe(1);
    expect(metrics.value("router_response_cache_evictions_total", { reason: "expired" })).toBe(0);
    expect(metrics.value("router_response_cache_entries")).toBe(0);
    expect(metrics.value("router_response_cache_bytes")).toBe(0);
  });

  it("is off by default: hinted queries reach the subgraphs every time, unmarked", async () => {
    await using cached = await startCachedGraph({ responseCache: null });
    const first = await cached.send(PRODUCTS_WITH_CREATORS);
    const second = await cached.send(PRODUCTS_WITH_CREATORS);
    expect(second.body).toEqual(first.body);
    expect(cacheStatus(second)).toBeNull();
    expect(cached.calls()).toBe(4);
    const metrics = await scrapeMetrics(`${cached.graph.origin}/metrics`);
    expect(metrics.type("router_response_cache_lookups_total")).toBeUndefined();
  });
});
