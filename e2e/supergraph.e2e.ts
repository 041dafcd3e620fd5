import { bearer, postGraphQL, type System, startSystem } from "@supergraph/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let system: System;

beforeAll(async () => {
  system = await startSystem();
});

afterAll(async () => {
  await system?.shutdown();
});

const usersWithProducts = "{ users { nodes { id name products { nodes { name } } } } }";

describe("the supergraph through the router (three real processes)", () => {
  it("every service answers GET /health with 200 and JSON", async () => {
    for (const [name, url] of Object.entries(system.urls)) {
      const response = await fetch(`${url}/health`);
      expect(response.status, name).toBe(200);
      expect(await response.json()).toMatchObject({ status: "ok", service: name });
      expect(system.pid(name), name).toBeGreaterThan(0);
    }
  });

  it("joins users with the products they created (User.products comes from products)", async () => {
    const result = await postGraphQL(system.routerUrl, usersWithProducts);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      users: {
        nodes: [
          { id: "1", name: "Alice", products: { nodes: [{ name: "Product A" }] } },
          { id: "2", name: "Bob", products: { nodes: [{ name: "Product B" }] } },
        ],
      },
    });
  });

  it("joins products with their creators (Product.createdBy comes from users)", async () => {
    const result = await postGraphQL(system.routerUrl, "{ products { nodes { name createdBy { name } } } }");
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      products: {
        nodes: [
          { name: "Product A", createdBy: { name: "Alice" } },
          { name: "Product B", createdBy: { name: "Bob" } },
        ],
      },
    });
  });

  it("returns one product with its exact price and its creator, whose email only the creator sees", async () => {
    const query = '{ product(id: "101") { name price createdBy { name email } } }';
    expect(await postGraphQL(system.routerUrl, query, { headers: await bearer("1") })).toEqual({
      data: {
        product: { name: "Product A", price: "19.99", createdBy: { name: "Alice", email: "alice@example.com" } },
      },
    });
    expect(await postGraphQL(system.routerUrl, query)).toEqual({
      data: { product: { name: "Product A", price: "19.99", createdBy: { name: "Alice", email: null } } },
    });
  });

  it("createUser (sign-up) then createProduct signed in as the new user: the product shows under them, and survives restarts", async () => {
    const user = await postGraphQL<{ createUser: { id: string } }>(
      system.routerUrl,
      "mutation ($input: CreateUserInput!) { createUser(input: $input) { id name email } }",
      { variables: { input: { name: "Carol", email: "carol@example.com" } } },
    );
    expect(user.errors).toBeUndefined();
    const userId = user.data?.createUser.id ?? "";
    expect(userId).toMatch(/^\d+$/);

    // No createdById: the product is created by the signed-in caller.
    const product = await postGraphQL<{ createProduct: unknown }>(
      system.routerUrl,
      "mutation ($input: CreateProductInput!) { createProduct(input: $input) { name price createdBy { id name } } }",
      {
        variables: { input: { name: "Carol's Lamp", price: "42.00", description: "Bright" } },
        headers: await bearer(userId),
      },
    );
    expect(product).toEqual({
      data: { createProduct: { name: "Carol's Lamp", price: "42.00", createdBy: { id: userId, name: "Carol" } } },
    });

    const query = "query ($id: ID!) { user(id: $id) { name products { nodes { name price } } } }";
    const expected = {
      data: { user: { name: "Carol", products: { nodes: [{ name: "Carol's Lamp", price: "42.00" }] } } },
    };
    expect(await postGraphQL(system.routerUrl, query, { variables: { id: userId } })).toEqual(expected);

    // Each subgraph keeps its data in its own database file across a restart.
    await Promise.all([system.stop("users"), system.stop("products")]);
    await Promise.all([system.start("users"), system.start("products")]);
    expect(await postGraphQL(system.routerUrl, query, { variables: { id: userId } })).toEqual(expected);
  });

  /** Who sends each bad input: anonymous, user 1 (Alice), or an admin (so NOT_FOUND, not FORBIDDEN, is what is left). */
  const as = { anonymous: undefined, alice: { userId: "1", scopes: [] }, admin: { userId: "1", scopes: ["admin"] } };
  it.each([
    ['{ user(id: "not-a-number") { name } }', "BAD_USER_INPUT", "users", as.anonymous],
    ['{ product(id: "1.5") { name } }', "BAD_USER_INPUT", "products", as.anonymous],
    ['mutation { updateUser(id: "424242", input: { name: "X" }) { id } }', "NOT_FOUND", "users", as.admin],
    ['mutation { deleteProduct(id: "424242") { id } }', "NOT_FOUND", "products", as.admin],
    [
      'mutation { createUser(input: { name: "", email: "e@example.com" }) { id } }',
      "BAD_USER_INPUT",
      "users",
      as.anonymous,
    ],
    ['mutation { createUser(input: { name: "E", email: "nope" }) { id } }', "BAD_USER_INPUT", "users", as.anonymous],
    [
      'mutation { createUser(input: { name: "E", email: "alice@example.com" }) { id } }',
      "CONFLICT",
      "users",
      as.anonymous,
    ],
    [
      'mutation { createProduct(input: { name: "X", price: "-1", createdById: "1" }) { id } }',
      "BAD_USER_INPUT",
      "products",
      as.alice,
    ],
    ["{ users(first: 500) { nodes { id } } }", "BAD_USER_INPUT", "users", as.anonymous],
  ])(
    "bad input %s gets %s from %s, without internals, and the graph keeps serving",
    async (query, code, subgraph, caller) => {
      const headers = caller ? await bearer(caller.userId, caller.scopes) : {};
      const result = await postGraphQL(system.routerUrl, query, { headers });
      expect(result.errors).toHaveLength(1);
      const [error] = result.errors ?? [];
      expect(error?.extensions?.code).toBe(code);
      expect(error?.extensions?.serviceName).toBe(subgraph);
      expect(error?.message).not.toMatch(/sqlite|constraint|select |insert |\n\s+at /i);
      expect(JSON.stringify(result)).not.toContain("stacktrace");
      const after = await postGraphQL(system.routerUrl, '{ user(id: "1") { name } }');
      expect(after).toEqual({ data: { user: { name: "Alice" } } });
    },
  );

  it("rejects a query against a field that does not exist before calling any subgraph", async () => {
    const result = await postGraphQL(system.routerUrl, "{ users { nodes { password } } }");
    expect(result.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });
});
