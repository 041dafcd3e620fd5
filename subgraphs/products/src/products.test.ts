import { ErrorCode } from "@supergraph/error-codes";
import {
  asAdmin,
  asUser,
  expectError,
  expectRefused,
  signedPost,
  startTestSubgraph,
} from "@supergraph/subgraph-kit/testing";
import { describe, expect, it } from "vitest";
import { formatMoney, parseMoney } from "./money.js";
import { products } from "./server.js";

/** The products subgraph over a fresh in-memory database: Product A (101, by user 1) and B (102, by user 2). */
const start = () => startTestSubgraph(products);
const alice = asUser("1");
const bob = asUser("2");
const admin = asAdmin();
/** Every product: what a refused mutation must leave as it was. */
const catalog = "{ products { nodes { id name price description createdBy { id } } } }";

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
    await using subgraph = await start();
    const result = await subgraph.run(
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

  it.each([
    ['{ product(id: "abc") { name } }', "id"],
    ["{ products(first: 1000) { nodes { id } } }", "first"],
    ['{ products(after: "zzz") { nodes { id } } }', "after"],
  ])("rejects bad arguments with BAD_USER_INPUT: %s", async (query, field) => {
    await using subgraph = await start();
    expectError(await subgraph.run(query), ErrorCode.BAD_USER_INPUT, field);
  });

  it("returns one product by id, and null for an unknown id", async () => {
    await using subgraph = await start();
    const result = await subgraph.run('{ a: product(id: "101") { name createdAt } b: product(id: "7") { name } }');
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ a: { name: "Product A", createdAt: "2026-01-03T09:00:00.000Z" }, b: null });
  });
});

describe("products mutations", () => {
  it("stores prices exactly on the engine: the highest (past 32 bits of cents) and amounts floats get wrong", async () => {
    await using subgraph = await start();
    for (const price of ["1000000000.00", "0.07", "1.10", "999999999.99"]) {
      const created = await subgraph.run(
        'mutation ($price: Money!) { createProduct(input: { name: "Priced", price: $price }) { id price } }',
        { price },
        { identity: bob },
      );
      expect(created.errors).toBeUndefined();
      const { id } = (created.data as { createProduct: { id: string } }).createProduct;
      expect((await subgraph.run(`{ product(id: "${id}") { price } }`)).data).toEqual({ product: { price } });
    }
  });

  it("creates a product by the caller, who then updates and deletes it", async () => {
    await using subgraph = await start();
    const created = await subgraph.run(
      'mutation { createProduct(input: { name: " Lamp ", price: "12.50" }) { id name price description createdBy { id } } }',
      {},
      { identity: bob },
    );
    expect(created.errors).toBeUndefined();
    expect(created.data).toEqual({
      createProduct: { id: "103", name: "Lamp", price: "12.50", description: null, createdBy: { id: "2" } },
    });
    const updated = await subgraph.run(
      'mutation { updateProduct(id: "103", input: { price: 13, description: "Bright" }) { name price description } }',
      {},
      { identity: bob },
    );
    expect(updated.data).toEqual({ updateProduct: { name: "Lamp", price: "13.00", description: "Bright" } });
    const deleted = await subgraph.run('mutation { deleteProduct(id: "103") { id } }', {}, { identity: bob });
    expect(deleted.data).toEqual({ deleteProduct: { id: "103" } });
    expect((await subgraph.run('{ product(id: "103") { id } }')).data).toEqual({ product: null });
  });

  it.each([
    ['createProduct(input: { name: "", price: "1", createdById: "1" })', ErrorCode.BAD_USER_INPUT, "input.name"],
    ['createProduct(input: { name: "X", price: "-0.01", createdById: "1" })', ErrorCode.BAD_USER_INPUT, "input.price"],
    [
      'createProduct(input: { name: "X", price: "1", createdById: "one" })',
      ErrorCode.BAD_USER_INPUT,
      "input.createdById",
    ],
    [
      `createProduct(input: { name: "X", price: "1", createdById: "1", description: "${"d".repeat(2001)}" })`,
      ErrorCode.BAD_USER_INPUT,
      "input.description",
    ],
    ['updateProduct(id: "101", input: { price: "-5" })', ErrorCode.BAD_USER_INPUT, "input.price"],
    ['updateProduct(id: "999", input: { name: "X" })', ErrorCode.NOT_FOUND, undefined],
    ['deleteProduct(id: "999")', ErrorCode.NOT_FOUND, undefined],
  ])("rejects %s with %s and changes nothing (Alice asking, the creator of 101)", async (mutation, code, field) => {
    await using subgraph = await start();
    await expectRefused(subgraph, `mutation { ${mutation} { id } }`, {
      code,
      field,
      unchanged: catalog,
      identity: alice,
    });
  });

  it("rejects a price with three decimals before it reaches a resolver", async () => {
    await using subgraph = await start();
    const result = await subgraph.run(
      'mutation ($p: Money!) { updateProduct(id: "101", input: { price: $p }) { id } }',
      { p: "1.999" },
      { identity: alice },
    );
    expectError(result, ErrorCode.BAD_USER_INPUT);
    expect(result.errors?.[0]?.message).toContain("at most two decimals");
  });
});

describe("who may create a product: any signed-in user, for themselves (admins for anyone)", () => {
  const create = (createdById?: string) =>
    `mutation { createProduct(input: { name: "Chair", price: "40"${createdById ? `, createdById: "${createdById}"` : ""} }) { id createdBy { id } } }`;

  it.each([
    ["an anonymous caller", create(), null, ErrorCode.UNAUTHENTICATED],
    ["an anonymous caller naming a creator", create("1"), null, ErrorCode.UNAUTHENTICATED],
    ["Bob, for Alice", create("1"), bob, ErrorCode.FORBIDDEN],
    ["Bob, for a user that does not exist", create("77"), bob, ErrorCode.FORBIDDEN],
  ] as const)("refuses %s with %s, creating nothing", async (_who, mutation, identity, code) => {
    await using subgraph = await start();
    await expectRefused(subgraph, mutation, { code, identity, unchanged: catalog });
  });

  it("creates it by the caller, whether named or not", async () => {
    await using subgraph = await start();
    expect((await subgraph.run(create(), {}, { identity: alice })).data).toEqual({
      createProduct: { id: "103", createdBy: { id: "1" } },
    });
    expect((await subgraph.run(create("1"), {}, { identity: alice })).data).toEqual({
      createProduct: { id: "104", createdBy: { id: "1" } },
    });
  });

  it("lets an admin create one for any user, or for themselves by default", async () => {
    await using subgraph = await start();
    expect((await subgraph.run(create("2"), {}, { identity: admin })).data).toEqual({
      createProduct: { id: "103", createdBy: { id: "2" } },
    });
    expect((await subgraph.run(create(), {}, { identity: asAdmin("5") })).data).toEqual({
      createProduct: { id: "104", createdBy: { id: "5" } },
    });
  });

  it("asks for createdById when the caller's user id is not one of this store's", async () => {
    await using subgraph = await start();
    const result = await subgraph.run(create(), {}, { identity: asAdmin("ops@example.com") });
    expectError(result, ErrorCode.BAD_USER_INPUT, "input.createdById");
  });
});

describe("who may change a product: its creator or an admin", () => {
  it.each([
    ["an anonymous caller", 'updateProduct(id: "101", input: { price: "0" })', null, ErrorCode.UNAUTHENTICATED],
    ["an anonymous caller", 'deleteProduct(id: "101")', null, ErrorCode.UNAUTHENTICATED],
    ["Bob", 'updateProduct(id: "101", input: { price: "0" })', bob, ErrorCode.FORBIDDEN],
    ["Bob", 'deleteProduct(id: "101")', bob, ErrorCode.FORBIDDEN],
    ["a user with other scopes", 'deleteProduct(id: "101")', asUser("2", ["write"]), ErrorCode.FORBIDDEN],
    ["Bob, for a product that does not exist", 'deleteProduct(id: "999")', bob, ErrorCode.NOT_FOUND],
  ] as const)("refuses %s: %s with %s, changing nothing", async (_who, mutation, identity, code) => {
    await using subgraph = await start();
    await expectRefused(subgraph, `mutation { ${mutation} { id } }`, { code, identity, unchanged: catalog });
  });

  it("says who may", async () => {
    await using subgraph = await start();
    const result = await subgraph.run('mutation { deleteProduct(id: "101") { id } }', {}, { identity: bob });
    expect(result.errors?.[0]?.message).toBe('Only its creator or an admin may delete product "101".');
  });

  it("lets the creator of a product made after start change it, and no one else but an admin", async () => {
    await using subgraph = await start();
    const carol = asUser("3");
    await subgraph.run(
      'mutation { createProduct(input: { name: "Vase", price: "9" }) { id } }',
      {},
      { identity: carol },
    );
    const rename = 'mutation { updateProduct(id: "103", input: { name: "Urn" }) { name } }';
    await expectRefused(subgraph, rename, { code: ErrorCode.FORBIDDEN, identity: alice, unchanged: catalog });
    expect((await subgraph.run(rename, {}, { identity: carol })).data).toEqual({ updateProduct: { name: "Urn" } });
    const remove = 'mutation { deleteProduct(id: "103") { id } }';
    expect((await subgraph.run(remove, {}, { identity: admin })).data).toEqual({ deleteProduct: { id: "103" } });
  });

  it("over HTTP, from the identity of the router's signed request", async () => {
    await using subgraph = await start();
    const url = `${await subgraph.listen()}/graphql`;
    const create = { query: 'mutation { createProduct(input: { name: "Rug", price: "30" }) { id createdBy { id } } }' };
    expect(await (await signedPost(url, create, { identity: bob })).json()).toEqual({
      data: { createProduct: { id: "103", createdBy: { id: "2" } } },
    });
    const anonymous = (await (await signedPost(url, create)).json()) as { errors: { extensions: { code: string } }[] };
    expect(anonymous.errors.map((error) => error.extensions.code)).toEqual([ErrorCode.UNAUTHENTICATED]);
    const before = await subgraph.run(catalog);
    const unsigned = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: 'mutation { deleteProduct(id: "101") { id } }' }),
    });
    expect(unsigned.status).toBe(401);
    expect(await subgraph.run(catalog)).toEqual(before);
  });
});

describe("Product entity (@key id)", () => {
  const query = "query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id name price } } }";

  it("resolves representations in order, with null for unknown or malformed ids", async () => {
    await using subgraph = await start();
    const result = await subgraph.run(query, {
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
    await using subgraph = await start();
    const r = Array.from({ length: 300 }, (_, i) => ({ __typename: "Product", id: String(101 + (i % 3)) }));
    const lookups = subgraph.record("findByIds");
    const result = await subgraph.run(query, { r });
    expect(result.errors).toBeUndefined();
    expect((result.data as { _entities: unknown[] })._entities).toHaveLength(300);
    expect(lookups).toEqual([[[101, 102, 103]]]);
  });
});

describe("User entity (@key id): products contributed to users", () => {
  const query =
    "query ($r: [_Any!]!, $first: Int) { _entities(representations: $r) { ... on User { id products(first: $first) { nodes { name } pageInfo { hasNextPage } } } } }";

  it("returns each user's products, and an empty page for users without any", async () => {
    await using subgraph = await start();
    const result = await subgraph.run(query, {
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
    await using subgraph = await start();
    for (let i = 0; i < 5; i++) {
      await subgraph.run(
        `mutation { createProduct(input: { name: "A${i}", price: "1" }) { id } }`,
        {},
        { identity: alice },
      );
    }
    const pageLoads = subgraph.record("pagesByCreators");
    const r = Array.from({ length: 50 }, (_, i) => ({ __typename: "User", id: String((i % 2) + 1) }));
    const result = await subgraph.run(query, { r, first: 2 });
    expect(result.errors).toBeUndefined();
    const entities = (
      result.data as { _entities: { products: { nodes: { name: string }[]; pageInfo: { hasNextPage: boolean } } }[] }
    )._entities;
    expect(entities[0]?.products).toEqual({
      nodes: [{ name: "Product A" }, { name: "A0" }],
      pageInfo: { hasNextPage: true },
    });
    expect(entities[1]?.products).toEqual({ nodes: [{ name: "Product B" }], pageInfo: { hasNextPage: false } });
    expect(pageLoads.map(([creatorIds]) => creatorIds)).toEqual([[1, 2]]);
  });
});
