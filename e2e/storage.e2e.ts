import { testEngine } from "@supergraph/subgraph-kit/testing";
import { bearer, readiness, type System, sendGraphQL, startSystem } from "@supergraph/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * What the subgraphs' storage guarantees, with real processes, on the test run's engine (SQLite in
 * one run, PostgreSQL in the other): acknowledged writes survive a crash, and replicas of a subgraph
 * over one database serve each other's writes, never mix concurrent updates of a row, and let only
 * one of two racing sign-ups take an email.
 */
const engine = testEngine();

const CREATE_PRODUCT = "mutation ($input: CreateProductInput!) { createProduct(input: $input) { id name price } }";
const PRODUCT = "query ($id: ID!) { product(id: $id) { id name description price } }";
const UPDATE_PRODUCT =
  "mutation ($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { id } }";
const CREATE_USER = "mutation ($input: CreateUserInput!) { createUser(input: $input) { id email } }";

interface Product {
  id: string;
  name: string;
  description?: string | null;
  price: string;
}

/** Creates a product through the router as user 1; its id. */
async function createProduct(system: System, name: string, price: string): Promise<string> {
  const { body } = await sendGraphQL<{ createProduct: Product }>(system.routerUrl, CREATE_PRODUCT, {
    headers: await bearer("1"),
    variables: { input: { name, price } },
  });
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data?.createProduct.id ?? "";
}

/** One product as an instance of products sees it, asked directly (signed as the router signs). */
async function productAt(system: System, instance: string, id: string): Promise<Product | null | undefined> {
  const { body } = await sendGraphQL<{ product: Product | null }>(`${system.url(instance)}/graphql`, PRODUCT, {
    sign: true,
    variables: { id },
  });
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data?.product;
}

describe(`durability on ${engine}: acknowledged writes survive a crash (real processes)`, () => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await system?.shutdown();
  });

  it("every product and user created through the router is there after their subgraphs are SIGKILLed and restarted", async () => {
    const products: Product[] = [];
    for (let index = 1; index <= 20; index++) {
      const name = `Durable ${index}`;
      const price = `${index}.${String(index).padStart(2, "0")}`;
      products.push({ id: await createProduct(system, name, price), name, price });
    }
    const users: { id: string; email: string }[] = [];
    for (let index = 1; index <= 5; index++) {
      const { body } = await sendGraphQL<{ createUser: { id: string; email: string } }>(system.routerUrl, CREATE_USER, {
        variables: { input: { name: `Durable ${index}`, email: `durable${index}@example.com` } },
      });
      expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
      if (body.data) users.push({ id: body.data.createUser.id, email: `durable${index}@example.com` });
    }

    await system.kill("products"); // no shutdown hook, no flush: a crash
    await system.kill("users");
    await system.start("products");
    await system.start("users");

    for (const product of products) {
      expect(await productAt(system, "products", product.id)).toEqual({ ...product, description: null });
    }
    for (const user of users) {
      const { body } = await sendGraphQL<{ user: { id: string; email: string } | null }>(
        system.routerUrl,
        "query ($id: ID!) { user(id: $id) { id email } }",
        { headers: await bearer(user.id), variables: { id: user.id } },
      );
      expect(body.data?.user).toEqual(user);
    }
  });
});

describe(`two replicas of each subgraph over one ${engine} database (real processes)`, () => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem({ replicas: { users: 2, products: 2 } });
  });
  afterAll(async () => {
    await system?.shutdown();
  });

  /** The tries each products replica got from the router so far. */
  const productsTries = async () =>
    (await readiness(system.url("router"))).body.subgraphs.products?.replicas.map((replica) => replica.requests) ?? [];

  it("both products replicas take interleaved writes through the router, and each serves every one of them", async () => {
    const [firstBefore = 0, secondBefore = 0] = await productsTries();
    const created: Product[] = [];
    for (let batch = 0; batch < 5; batch++) {
      const batchOf = [1, 2, 3, 4].map((index) => ({ name: `Shared ${batch}-${index}`, price: `${batch}.${index}0` }));
      const ids = await Promise.all(batchOf.map(({ name, price }) => createProduct(system, name, price)));
      for (const [index, id] of ids.entries()) created.push({ id, ...(batchOf[index] as Omit<Product, "id">) });
    }
    const [firstAfter = 0, secondAfter = 0] = await productsTries();
    expect(firstAfter - firstBefore, "writes through the first replica").toBeGreaterThan(0);
    expect(secondAfter - secondBefore, "writes through the second replica").toBeGreaterThan(0);
    expect(new Set(created.map((product) => product.id)).size).toBe(created.length);
    for (const instance of ["products", "products-2"]) {
      for (const product of created) {
        expect(await productAt(system, instance, product.id), `${product.id} at ${instance}`).toEqual({
          ...product,
          description: null,
        });
      }
    }
  });

  it("concurrent updates of one product end in one of the states written, whole, never a mix of two", async () => {
    const id = await createProduct(system, "Contended", "1.00");
    const states = Array.from({ length: 20 }, (_, index) => ({
      name: `State ${index}`,
      description: `Written by update ${index}`,
      price: `${index + 10}.${String(index).padStart(2, "0")}`,
    }));
    const headers = await bearer("1");
    const results = await Promise.all(
      states.map((input) => sendGraphQL(system.routerUrl, UPDATE_PRODUCT, { headers, variables: { id, input } })),
    );
    for (const { body } of results) expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    const seen = await Promise.all(["products", "products-2"].map((instance) => productAt(system, instance, id)));
    expect(seen[0]).toEqual(seen[1]); // both replicas read the same row
    const { id: _id, ...final } = seen[0] ?? { id };
    expect(states).toContainEqual(final);
  });

  it("two users replicas racing to sign up the same email: exactly one succeeds, the other gets CONFLICT", async () => {
    for (let round = 1; round <= 5; round++) {
      const email = `race${round}@example.com`;
      const outcomes = await Promise.all(
        ["users", "users-2"].map(async (instance) => {
          const { body } = await sendGraphQL<{ createUser: { id: string } }>(
            `${system.url(instance)}/graphql`,
            CREATE_USER,
            { sign: true, variables: { input: { name: `Racer ${instance}`, email } } },
          );
          return body.errors ? String(body.errors[0]?.extensions?.code) : "created";
        }),
      );
      expect(outcomes.sort(), `round ${round}`).toEqual(["CONFLICT", "created"]);
    }
  });
});
