/**
 * The router's response cache over the real subgraphs, in one process: users and products (their
 * schemas' @cacheControl hints, their stores, their databases) and the router as its process builds
 * it from the environment (ROUTER_RESPONSE_CACHE__ENABLED), on free ports of 127.0.0.1. Requests
 * each subgraph gets are counted at its HTTP server; the routers' health probes are off, so every
 * request counted is one the router sent for a client's operation.
 */
import { products } from "@supergraph/products/server";
import { buildRouter } from "@supergraph/router/buildRouter";
import type { Service } from "@supergraph/service-kit";
import { startTestSubgraph } from "@supergraph/subgraph-kit/testing";
import { bearer, type GraphQLExchange, sendGraphQL } from "@supergraph/testing";
import { users } from "@supergraph/users/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const closers: (() => Promise<void>)[] = [];
const requests = { users: 0, products: 0 };
const subgraphUrls = { users: "", products: "" };
let cachedUrl = "";
let defaultUrl = "";

/** A router over the two subgraphs, as its process builds it with `env` (no health probes). */
async function startRouter(env: Record<string, string>): Promise<string> {
  const { service } = await buildRouter({
    LOG_LEVEL: "silent",
    SUBGRAPH_USERS_URL: subgraphUrls.users,
    SUBGRAPH_PRODUCTS_URL: subgraphUrls.products,
    ROUTER_SUBGRAPHS__ALL__HEALTH_CHECK__INTERVAL_MS: "0",
    ROUTER_SUPERGRAPH__WATCH: "false",
    ...env,
  });
  closers.unshift(() => service.close());
  const { port } = await service.listen(0);
  return `http://127.0.0.1:${port}/graphql`;
}

const counted = (name: "users" | "products", { httpServer }: Pick<Service<object>, "httpServer">) => {
  httpServer.on("request", (request) => {
    if (request.method === "POST") requests[name]++;
  });
};

beforeAll(async () => {
  const usersSubgraph = await startTestSubgraph(users);
  closers.unshift(() => usersSubgraph.close());
  const productsSubgraph = await startTestSubgraph(products);
  closers.unshift(() => productsSubgraph.close());
  counted("users", usersSubgraph.service);
  counted("products", productsSubgraph.service);
  subgraphUrls.users = `${await usersSubgraph.listen()}/graphql`;
  subgraphUrls.products = `${await productsSubgraph.listen()}/graphql`;
  cachedUrl = await startRouter({ ROUTER_RESPONSE_CACHE__ENABLED: "true" });
  defaultUrl = await startRouter({});
});

afterAll(async () => {
  for (const close of closers) await close();
});

const total = () => requests.users + requests.products;
const cacheStatus = (exchange: GraphQLExchange) => exchange.headers.get("x-cache");
const send = (url: string, query: string, headers: Record<string, string> = {}, variables?: Record<string, unknown>) =>
  sendGraphQL(url, query, { headers, ...(variables ? { variables } : {}) });

describe("the response cache over the real subgraphs (ROUTER_RESPONSE_CACHE__ENABLED=true)", () => {
  it("serves a hinted query from the cache the second time: neither subgraph is asked again", async () => {
    const query = "query ProductsWithCreators { products(first: 5) { nodes { name price createdBy { name } } } }";
    const first = await send(cachedUrl, query);
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data).toEqual({
      products: {
        nodes: [
          { name: "Product A", price: "19.99", createdBy: { name: "Alice" } },
          { name: "Product B", price: "5.00", createdBy: { name: "Bob" } },
        ],
      },
    });
    expect(cacheStatus(first)).toBe("MISS");
    // The subgraphs' hints: Product, User and the connections they are in, 30 seconds, PUBLIC.
    expect(first.headers.get("cache-control")).toBe("max-age=30, public");
    const before = { ...requests };
    expect(before.products).toBeGreaterThan(0);
    expect(before.users).toBeGreaterThan(0);

    const second = await send(cachedUrl, query);
    expect(second.body).toEqual(first.body);
    expect(cacheStatus(second)).toBe("HIT");
    expect(second.headers.get("age")).toMatch(/^\d+$/);
    expect(requests).toEqual(before);
  });

  it("never serves one user's email to another: a response holding User.email is PRIVATE, kept per caller", async () => {
    const query = "query UserEmail($id: ID!) { user(id: $id) { name email } }";
    const alice = await bearer("1");
    const bob = await bearer("2");
    const asAlice = await send(cachedUrl, query, alice, { id: "1" });
    expect(asAlice.body).toEqual({ data: { user: { name: "Alice", email: "alice@example.com" } } });
    expect(asAlice.headers.get("cache-control")).toBe("max-age=30, private");

    // Bob asks the same: not Alice's entry, but the users subgraph again, which hides the email from him.
    const before = requests.users;
    const asBob = await send(cachedUrl, query, bob, { id: "1" });
    expect(cacheStatus(asBob)).toBe("MISS");
    expect(asBob.body).toEqual({ data: { user: { name: "Alice", email: null } } });
    expect(requests.users).toBe(before + 1);

    const [aliceAgain, bobAgain] = [
      await send(cachedUrl, query, alice, { id: "1" }),
      await send(cachedUrl, query, bob, { id: "1" }),
    ];
    expect([cacheStatus(aliceAgain), cacheStatus(bobAgain)]).toEqual(["HIT", "HIT"]);
    expect(aliceAgain.body).toEqual(asAlice.body);
    expect(bobAgain.body).toEqual(asBob.body);
    expect(requests.users).toBe(before + 1);

    // Through the other subgraph too: the creator's email makes a product's response PRIVATE.
    const viaProduct = '{ product(id: "101") { name createdBy { email } } }';
    expect((await send(cachedUrl, viaProduct, alice)).body).toEqual({
      data: { product: { name: "Product A", createdBy: { email: "alice@example.com" } } },
    });
    const bobViaProduct = await send(cachedUrl, viaProduct, bob);
    expect(bobViaProduct.body).toEqual({ data: { product: { name: "Product A", createdBy: { email: null } } } });
    expect(cacheStatus(bobViaProduct)).toBe("MISS");

    // Anonymous callers never get a PRIVATE response kept for them.
    await send(cachedUrl, query, {}, { id: "1" });
    const anonymousAgain = await send(cachedUrl, query, {}, { id: "1" });
    expect(anonymousAgain.body).toEqual({ data: { user: { name: "Alice", email: null } } });
    expect(cacheStatus(anonymousAgain)).toBe("MISS");
  });

  it("createProduct evicts every cached response holding a Product, and leaves the others", async () => {
    const page = "{ products(first: 100) { nodes { id name } } }";
    const product = '{ product(id: "101") { name } }';
    const user = '{ user(id: "2") { name } }';
    for (const query of [page, product, user]) await send(cachedUrl, query);
    const before = (await send(cachedUrl, page)).body;
    expect(cacheStatus(await send(cachedUrl, product))).toBe("HIT");

    const created = await send(
      cachedUrl,
      'mutation { createProduct(input: { name: "Cached lamp", price: "5.00" }) { id name } }',
      await bearer("1"),
    );
    expect(created.body.errors).toBeUndefined();
    const { id } = (created.body.data as { createProduct: { id: string } }).createProduct;

    const after = await send(cachedUrl, page);
    expect(cacheStatus(after)).toBe("MISS");
    expect(after.body).not.toEqual(before);
    expect(after.body.data).toMatchObject({
      products: { nodes: expect.arrayContaining([{ id, name: "Cached lamp" }]) },
    });
    expect(cacheStatus(await send(cachedUrl, product))).toBe("MISS");
    // createProduct's selection returns a Product only: a response with no Product stays.
    expect(cacheStatus(await send(cachedUrl, user))).toBe("HIT");
  });
});

describe("the response cache by default", () => {
  it("is off: a hinted query reaches the subgraphs every time, and responses are not marked", async () => {
    const query = '{ product(id: "101") { name createdBy { name } } }';
    await send(defaultUrl, query);
    const before = total();
    const second = await send(defaultUrl, query);
    expect(second.body).toEqual({ data: { product: { name: "Product A", createdBy: { name: "Alice" } } } });
    expect(cacheStatus(second)).toBeNull();
    expect(total()).toBe(before + 2);
  });
});
