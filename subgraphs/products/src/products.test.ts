import { createLogger, migrateToLatest, openSqlite, type PageRequest, type Service } from "@supergraph/service-kit";
import { errorCodes, executeOperation } from "@supergraph/service-kit/testing";
import type { Kysely } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Context, createContext } from "./context.js";
import { formatMoney, parseMoney } from "./money.js";
import { createServer } from "./server.js";
import { migrations } from "./store/migrations.js";
import { type Product, type ProductPage, ProductStore } from "./store/productStore.js";
import type { ProductsDatabase } from "./store/schema.js";

/** Counts store lookups, to prove entity resolution is batched. */
class CountingStore extends ProductStore {
  findByIdsCalls: number[][] = [];
  pagesByCreatorsCalls: number[][] = [];
  override findByIds(ids: readonly number[]): Promise<(Product | null)[]> {
    this.findByIdsCalls.push([...ids]);
    return super.findByIds(ids);
  }
  override pagesByCreators(ids: readonly number[], page: PageRequest): Promise<ProductPage[]> {
    this.pagesByCreatorsCalls.push([...ids]);
    return super.pagesByCreators(ids, page);
  }
}

let db: Kysely<ProductsDatabase>;
let store: CountingStore;
let service: Service<Context>;

const run = (query: string, variables?: Record<string, unknown>) =>
  executeOperation(service, createContext(store), query, variables);

beforeEach(async () => {
  const logger = createLogger({ service: "products-test", level: "silent" });
  db = openSqlite<ProductsDatabase>({ filename: ":memory:" });
  await migrateToLatest(db, migrations, logger);
  store = new CountingStore(db);
  service = await createServer({ db, logger, store });
});

afterEach(async () => {
  await service.close();
});

describe("Money", () => {
  it.each([
    ["19.99", 1999],
    ["0", 0],
    ["5.5", 550],
    ["-1.00", -100],
    [19.99, 1999],
    ["123456789.01", 12345678901],
  ])("parses %j to %d cents exactly", (input, cents) => {
    expect(parseMoney(input)).toBe(cents);
  });

  it.each(["1.999", "abc", "", "1e3", "1.", true, null])("rejects %j", (input) => {
    expect(() => parseMoney(input)).toThrow(/Money must be a decimal/);
  });

  it("formats cents with two decimals", () => {
    expect([formatMoney(1999), formatMoney(5), formatMoney(0), formatMoney(-250)]).toEqual([
      "19.99",
      "0.05",
      "0.00",
      "-2.50",
    ]);
  });
});

describe("products queries", () => {
  it("lists the seed products with exact prices and creator references", async () => {
    const result = await run(
      "{ products { nodes { id name price description createdBy { id } } pageInfo { hasNextPage } } }",
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      products: {
        nodes: [
          { id: "101", name: "Product A", price: "19.99", description: expect.any(String), createdBy: { id: "1" } },
          { id: "102", name: "Product B", price: "5.00", description: expect.any(String), createdBy: { id: "2" } },
        ],
        pageInfo: { hasNextPage: false },
      },
    });
  });

  it("returns one product by id, and null for an unknown id", async () => {
    const result = await run('{ a: product(id: "101") { name createdAt } b: product(id: "7") { name } }');
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ a: { name: "Product A", createdAt: "2026-01-03T09:00:00.000Z" }, b: null });
  });

  it.each([
    ['{ product(id: "abc") { name } }', "id"],
    ["{ products(first: 1000) { nodes { id } } }", "first"],
    ['{ products(after: "zzz") { nodes { id } } }', "after"],
  ])("rejects bad arguments with BAD_USER_INPUT: %s", async (query, field) => {
    const result = await run(query);
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.extensions?.field).toBe(field);
  });
});

describe("products mutations", () => {
  it("creates, updates and deletes a product", async () => {
    const created = await run(
      'mutation { createProduct(input: { name: " Lamp ", price: "12.50", createdById: "2" }) { id name price description createdBy { id } } }',
    );
    expect(created.errors).toBeUndefined();
    expect(created.data).toEqual({
      createProduct: { id: "103", name: "Lamp", price: "12.50", description: null, createdBy: { id: "2" } },
    });
    const updated = await run(
      'mutation { updateProduct(id: "103", input: { price: 13, description: "Bright" }) { name price description } }',
    );
    expect(updated.data).toEqual({ updateProduct: { name: "Lamp", price: "13.00", description: "Bright" } });
    const deleted = await run('mutation { deleteProduct(id: "103") { id } }');
    expect(deleted.data).toEqual({ deleteProduct: { id: "103" } });
    expect((await run('{ product(id: "103") { id } }')).data).toEqual({ product: null });
  });

  it.each([
    ['createProduct(input: { name: "", price: "1", createdById: "1" })', "BAD_USER_INPUT", "input.name"],
    ['createProduct(input: { name: "X", price: "-0.01", createdById: "1" })', "BAD_USER_INPUT", "input.price"],
    ['createProduct(input: { name: "X", price: "1", createdById: "one" })', "BAD_USER_INPUT", "input.createdById"],
    [
      `createProduct(input: { name: "X", price: "1", createdById: "1", description: "${"d".repeat(2001)}" })`,
      "BAD_USER_INPUT",
      "input.description",
    ],
    ['updateProduct(id: "101", input: { price: "-5" })', "BAD_USER_INPUT", "input.price"],
    ['updateProduct(id: "999", input: { name: "X" })', "NOT_FOUND", undefined],
    ['deleteProduct(id: "999")', "NOT_FOUND", undefined],
  ])("rejects %s with %s", async (mutation, code, field) => {
    const before = await run("{ products { nodes { id name price description } } }");
    const result = await run(`mutation { ${mutation} { id } }`);
    expect(errorCodes(result)).toEqual([code]);
    expect(result.errors?.[0]?.extensions?.field).toBe(field);
    expect(await run("{ products { nodes { id name price description } } }")).toEqual(before);
  });

  it("rejects a price with three decimals before it reaches a resolver", async () => {
    const result = await run('mutation ($p: Money!) { updateProduct(id: "101", input: { price: $p }) { id } }', {
      p: "1.999",
    });
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.message).toContain("at most two decimals");
  });
});

describe("Product entity (@key id)", () => {
  const query = "query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id name price } } }";

  it("resolves representations in order, with null for unknown or malformed ids", async () => {
    const result = await run(query, {
      r: [
        { __typename: "Product", id: "102" },
        { __typename: "Product", id: "1" },
        { __typename: "Product", id: "x" },
        { __typename: "Product", id: "101" },
      ],
    });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      _entities: [
        { id: "102", name: "Product B", price: "5.00" },
        null,
        null,
        { id: "101", name: "Product A", price: "19.99" },
      ],
    });
  });

  it("resolves a batch of many representations with one store lookup", async () => {
    const r = Array.from({ length: 300 }, (_, i) => ({ __typename: "Product", id: String(101 + (i % 3)) }));
    const result = await run(query, { r });
    expect(result.errors).toBeUndefined();
    expect((result.data as { _entities: unknown[] })._entities).toHaveLength(300);
    expect(store.findByIdsCalls).toEqual([[101, 102, 103]]);
  });
});

describe("User entity (@key id): products contributed to users", () => {
  const query =
    "query ($r: [_Any!]!, $first: Int) { _entities(representations: $r) { ... on User { id products(first: $first) { nodes { name } pageInfo { hasNextPage } } } } }";

  it("returns each user's products, and an empty page for users without any", async () => {
    const result = await run(query, {
      r: [
        { __typename: "User", id: "2" },
        { __typename: "User", id: "1" },
        { __typename: "User", id: "77" },
      ],
    });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      _entities: [
        { id: "2", products: { nodes: [{ name: "Product B" }], pageInfo: { hasNextPage: false } } },
        { id: "1", products: { nodes: [{ name: "Product A" }], pageInfo: { hasNextPage: false } } },
        { id: "77", products: { nodes: [], pageInfo: { hasNextPage: false } } },
      ],
    });
  });

  it("pages each user's products and loads all users' pages with one store call", async () => {
    for (let i = 0; i < 5; i++) {
      await run(`mutation { createProduct(input: { name: "A${i}", price: "1", createdById: "1" }) { id } }`);
    }
    store.pagesByCreatorsCalls = [];
    const r = Array.from({ length: 50 }, (_, i) => ({ __typename: "User", id: String((i % 2) + 1) }));
    const result = await run(query, { r, first: 2 });
    expect(result.errors).toBeUndefined();
    const entities = (
      result.data as { _entities: { products: { nodes: { name: string }[]; pageInfo: { hasNextPage: boolean } } }[] }
    )._entities;
    expect(entities[0]?.products).toEqual({
      nodes: [{ name: "Product A" }, { name: "A0" }],
      pageInfo: { hasNextPage: true },
    });
    expect(entities[1]?.products).toEqual({ nodes: [{ name: "Product B" }], pageInfo: { hasNextPage: false } });
    expect(store.pagesByCreatorsCalls).toEqual([[1, 2]]);
  });
});

describe("products HTTP service", () => {
  it("answers /health with the database status", async () => {
    const { port } = await service.listen(0, "127.0.0.1");
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: "ok",
      service: "products",
      checks: { database: { status: "ok" } },
    });
  });
});
