import { encodeIdentity, IDENTITY_HEADER, SIGNATURE_HEADER } from "@supergraph/auth";
import {
  bearer,
  type Caller,
  type GraphQLExchange,
  graphQLBody,
  type System,
  sendGraphQL,
  signedHeaders,
  startSystem,
} from "@supergraph/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Trust with real processes (three of them, one system for the file): the router verifies bearer
 * tokens and signs each subgraph request; the subgraphs answer only signed requests and decide who
 * may change what. Seed data: Alice (user 1) created Product A (101), Bob (user 2) Product B (102).
 */
let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => {
  await system?.shutdown();
});

const ALICE: Caller = { userId: "1" };
const BOB: Caller = { userId: "2" };
/** An admin: the `admin` scope on any user's token. */
const ADMIN: Caller = { userId: "1", scopes: ["admin"] };

/** A request through the router, as `caller` (a bearer token) or anonymously; status and body. */
async function asCaller<T = Record<string, unknown>>(
  caller: Caller | undefined,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLExchange<T>> {
  const headers = caller ? await bearer(caller.userId, caller.scopes) : {};
  return sendGraphQL<T>(system.routerUrl, query, { headers, ...(variables ? { variables } : {}) });
}

const codes = (exchange: GraphQLExchange) => exchange.body.errors?.map((error) => error.extensions?.code);

const PRODUCT = "query ($id: ID!) { product(id: $id) { id name price description createdBy { id name } } }";
const USER = "query ($id: ID!) { user(id: $id) { id name } }";
const readProduct = async (id: string) => (await asCaller(ADMIN, PRODUCT, { id })).body;
const readUser = async (id: string) => (await asCaller(ADMIN, USER, { id })).body;

let signups = 0;
/** Signs a new user up through the router, anonymously (sign-up is open); returns their id. */
async function signUp(name: string): Promise<string> {
  signups++;
  const result = await asCaller<{ createUser: { id: string } }>(
    undefined,
    "mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }",
    { input: { name, email: `signup${signups}@example.com` } },
  );
  expect(result.body.errors).toBeUndefined();
  const id = result.body.data?.createUser.id ?? "";
  expect(id).toMatch(/^\d+$/);
  return id;
}

/** Creates a product as `caller` (no createdById: the caller is its creator); returns its id. */
async function createProduct(caller: Caller, name: string): Promise<string> {
  const result = await asCaller<{ createProduct: { id: string; createdBy: { id: string } } }>(
    caller,
    "mutation ($input: CreateProductInput!) { createProduct(input: $input) { id createdBy { id } } }",
    { input: { name, price: "10.00" } },
  );
  expect(result.body.errors).toBeUndefined();
  expect(result.body.data?.createProduct.createdBy.id).toBe(caller.userId);
  return result.body.data?.createProduct.id ?? "";
}

const UPDATE_PRODUCT =
  "mutation ($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { id name price } }";
const DELETE_PRODUCT = "mutation ($id: ID!) { deleteProduct(id: $id) { id name } }";
const UPDATE_USER = "mutation ($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id name } }";
const DELETE_USER = "mutation ($id: ID!) { deleteUser(id: $id) { id } }";

describe("who may change what (through the router)", () => {
  it("a user who signed up after start creates, updates and deletes their own product", async () => {
    const dana = { userId: await signUp("Dana") };
    const id = await createProduct(dana, "Dana's Desk");
    expect(await readProduct(id)).toEqual({
      data: {
        product: {
          id,
          name: "Dana's Desk",
          price: "10.00",
          description: null,
          createdBy: { id: dana.userId, name: "Dana" },
        },
      },
    });

    const updated = await asCaller(dana, UPDATE_PRODUCT, { id, input: { name: "Dana's Big Desk", price: "12.50" } });
    expect(updated.body).toEqual({ data: { updateProduct: { id, name: "Dana's Big Desk", price: "12.50" } } });
    expect((await readProduct(id)).data?.product).toMatchObject({ name: "Dana's Big Desk", price: "12.50" });

    const deleted = await asCaller(dana, DELETE_PRODUCT, { id });
    expect(deleted.body).toEqual({ data: { deleteProduct: { id, name: "Dana's Big Desk" } } });
    expect(await readProduct(id)).toEqual({ data: { product: null } });
  });

  it("another user (Bob) is FORBIDDEN to update or delete it, or its creator, and nothing changes", async () => {
    const erin = { userId: await signUp("Erin") };
    const id = await createProduct(erin, "Erin's Lamp");
    const productBefore = await readProduct(id);
    const userBefore = await readUser(erin.userId);

    for (const [query, variables] of [
      [UPDATE_PRODUCT, { id, input: { name: "Bob's now", price: "0.01" } }],
      [DELETE_PRODUCT, { id }],
      [UPDATE_USER, { id: erin.userId, input: { name: "Hacked" } }],
      [DELETE_USER, { id: erin.userId }],
    ] as const) {
      const refused = await asCaller(BOB, query, variables);
      expect(refused.status, query).toBe(200);
      expect(refused.body.data, query).toBeNull();
      expect(refused.body.errors, query).toEqual([
        expect.objectContaining({ extensions: expect.objectContaining({ code: "FORBIDDEN" }) }),
      ]);
    }
    expect(await readProduct(id)).toEqual(productBefore);
    expect(await readUser(erin.userId)).toEqual(userBefore);

    // Nor may a non-admin create a product in someone else's name.
    const impostor = await asCaller(
      BOB,
      "mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }",
      { input: { name: "Erin's, honest", price: "1.00", createdById: erin.userId } },
    );
    expect(codes(impostor)).toEqual(["FORBIDDEN"]);
    expect(impostor.body.errors?.[0]?.extensions?.serviceName).toBe("products");
  });

  it("the seed users: Bob and a newcomer are FORBIDDEN to change Alice's Product A or Alice, and nothing changes; Alice may", async () => {
    const newcomer = { userId: await signUp("Gus") };
    const productBefore = await readProduct("101");
    const userBefore = await readUser("1");
    expect(productBefore.data?.product).toMatchObject({ id: "101", price: "19.99", createdBy: { id: "1" } });

    for (const caller of [BOB, newcomer]) {
      for (const [query, variables] of [
        [UPDATE_PRODUCT, { id: "101", input: { name: "Taken", price: "0.01" } }],
        [DELETE_PRODUCT, { id: "101" }],
        [UPDATE_USER, { id: "1", input: { name: "Hacked" } }],
        [DELETE_USER, { id: "1" }],
      ] as const) {
        const refused = await asCaller(caller, query, variables);
        expect(refused.body.data, `${caller.userId}: ${query}`).toBeNull();
        expect(codes(refused), `${caller.userId}: ${query}`).toEqual(["FORBIDDEN"]);
      }
    }
    expect(await readProduct("101")).toEqual(productBefore);
    expect(await readUser("1")).toEqual(userBefore);

    // Alice changes her own product and her own name (and puts them back for the tests after this one).
    const repriced = await asCaller(ALICE, UPDATE_PRODUCT, { id: "101", input: { price: "21.00" } });
    expect(repriced.body).toEqual({ data: { updateProduct: { id: "101", name: "Product A", price: "21.00" } } });
    expect((await readProduct("101")).data?.product).toMatchObject({ price: "21.00" });
    const renamed = await asCaller(ALICE, UPDATE_USER, { id: "1", input: { name: "Alice L." } });
    expect(renamed.body).toEqual({ data: { updateUser: { id: "1", name: "Alice L." } } });
    expect(await readUser("1")).toEqual({ data: { user: { id: "1", name: "Alice L." } } });
    expect(
      (await asCaller(ALICE, UPDATE_PRODUCT, { id: "101", input: { price: "19.99" } })).body.errors,
    ).toBeUndefined();
    expect((await asCaller(ALICE, UPDATE_USER, { id: "1", input: { name: "Alice" } })).body.errors).toBeUndefined();
    expect([await readProduct("101"), await readUser("1")]).toEqual([productBefore, userBefore]);
  });

  it("an admin may update and delete anyone's product and user, and create a product in a user's name", async () => {
    const finn = { userId: await signUp("Finn") };
    const id = await createProduct(finn, "Finn's Chair");
    expect((await asCaller(ADMIN, UPDATE_PRODUCT, { id, input: { price: "99.00" } })).body).toEqual({
      data: { updateProduct: { id, name: "Finn's Chair", price: "99.00" } },
    });
    expect((await asCaller(ADMIN, UPDATE_USER, { id: finn.userId, input: { name: "Finnegan" } })).body).toEqual({
      data: { updateUser: { id: finn.userId, name: "Finnegan" } },
    });
    const forFinn = await asCaller<{ createProduct: { createdBy: { id: string; name: string } } }>(
      ADMIN,
      "mutation ($input: CreateProductInput!) { createProduct(input: $input) { createdBy { id name } } }",
      { input: { name: "Gift", price: "5.00", createdById: finn.userId } },
    );
    expect(forFinn.body).toEqual({ data: { createProduct: { createdBy: { id: finn.userId, name: "Finnegan" } } } });
    expect((await asCaller(ADMIN, DELETE_PRODUCT, { id })).body.errors).toBeUndefined();
    expect(await readProduct(id)).toEqual({ data: { product: null } });
    expect((await asCaller(ADMIN, DELETE_USER, { id: finn.userId })).body.errors).toBeUndefined();
    expect(await readUser(finn.userId)).toEqual({ data: { user: null } });
  });

  it("anonymous writes other than sign-up are UNAUTHENTICATED, and change nothing", async () => {
    const before = [await readProduct("101"), await readUser("1")];
    for (const [query, variables] of [
      [
        "mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }",
        { input: { name: "Anon", price: "1.00" } },
      ],
      [UPDATE_PRODUCT, { id: "101", input: { name: "Anon's now" } }],
      [DELETE_PRODUCT, { id: "101" }],
      [UPDATE_USER, { id: "1", input: { name: "Anon" } }],
      [DELETE_USER, { id: "1" }],
    ] as const) {
      const refused = await asCaller(undefined, query, variables);
      expect(codes(refused), query).toEqual(["UNAUTHENTICATED"]);
      expect(refused.body.data, query).toBeNull();
    }
    expect([await readProduct("101"), await readUser("1")]).toEqual(before);
    const products = await asCaller<{ products: { nodes: { name: string }[] } }>(
      ADMIN,
      "{ products(first: 100) { nodes { name } } }",
    );
    expect(products.body.data?.products.nodes.map((product) => product.name)).not.toContain("Anon");
  });
});

describe("private emails", () => {
  const EMAIL = '{ user(id: "1") { email } }';
  const CREATORS = "{ products(first: 2) { nodes { id createdBy { id email } } } }";
  const creators = (alice: string | null, bob: string | null) => ({
    data: {
      products: {
        nodes: [
          { id: "101", createdBy: { id: "1", email: alice } },
          { id: "102", createdBy: { id: "2", email: bob } },
        ],
      },
    },
  });

  it.each([
    ["the user themselves", "alice@example.com", ALICE],
    ["an admin", "alice@example.com", { userId: "2", scopes: ["admin"] }],
    ["another user", null, BOB],
    ["an anonymous caller", null, undefined],
  ] as const)("%s sees user 1's email as %s", async (_who, email, caller) => {
    expect((await asCaller(caller, EMAIL)).body).toEqual({ data: { user: { email } } });
  });

  it("through the router's join (products, then their creators from users), each caller sees only what is theirs", async () => {
    expect((await asCaller(ALICE, CREATORS)).body).toEqual(creators("alice@example.com", null));
    expect((await asCaller(BOB, CREATORS)).body).toEqual(creators(null, "bob@example.com"));
    expect((await asCaller(ADMIN, CREATORS)).body).toEqual(creators("alice@example.com", "bob@example.com"));
    expect((await asCaller(undefined, CREATORS)).body).toEqual(creators(null, null));
  });
});

describe("tokens the router does not trust", () => {
  /** An unsigned token (`alg: none`) claiming to be an admin. */
  const unsigned = () => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    return `${part({ alg: "none", typ: "JWT" })}.${part({ sub: "1", scope: "admin", iss: "supergraph", aud: "supergraph", exp: now + 600 })}.`;
  };
  const header = async (userId: string, options: Parameters<typeof bearer>[2]) =>
    (await bearer(userId, ["admin"], options)).authorization;

  it.each([
    ["an empty bearer token", async () => "Bearer "],
    ["another scheme", async () => "Basic YWxpY2U6c2VjcmV0"],
    ["a token that is not a JWT", async () => "Bearer not-a-token"],
    ["an expired token", () => header("1", { expiresIn: -120 })],
    ["a token not valid yet", () => header("1", { notBefore: 600 })],
    ["a token signed with another secret", () => header("1", { secret: "an-attacker-secret-of-enough-length-00000" })],
    ["a token from another issuer", () => header("1", { issuer: "evil" })],
    ["a token for another audience", () => header("1", { audience: "another-api" })],
    ["an unsigned token (alg none)", async () => `Bearer ${unsigned()}`],
  ])("%s: 401 UNAUTHENTICATED, and the operation does not run", async (_name, authorization) => {
    const email = `refused${Math.random().toString(36).slice(2)}@example.com`;
    const refused = await sendGraphQL(
      system.routerUrl,
      "mutation ($input: CreateUserInput!) { createUser(input: $input) { id } }",
      { variables: { input: { name: "Refused", email } }, headers: { authorization: await authorization() } },
    );
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toMatch(/^Bearer /);
    expect(refused.body.data).toBeUndefined();
    expect(codes(refused)).toEqual(["UNAUTHENTICATED"]);
    const emails = await asCaller<{ users: { nodes: { email: string }[] } }>(
      ADMIN,
      "{ users(first: 100) { nodes { email } } }",
    );
    expect(emails.body.data?.users.nodes.map((user) => user.email)).not.toContain(email);
  });

  it("a client's own x-supergraph-identity (and signature) headers are ignored: it stays anonymous", async () => {
    const forged = {
      [IDENTITY_HEADER]: encodeIdentity({ userId: "1", scopes: ["admin"] }),
      [SIGNATURE_HEADER]: signedHeaders("{}")[SIGNATURE_HEADER] ?? "",
    };
    const read = await sendGraphQL(system.routerUrl, '{ user(id: "1") { email } }', { headers: forged });
    expect(read.body).toEqual({ data: { user: { email: null } } });
    const write = await sendGraphQL(system.routerUrl, 'mutation { deleteProduct(id: "102") { id } }', {
      headers: forged,
    });
    expect(codes(write)).toEqual(["UNAUTHENTICATED"]);
    expect((await readProduct("102")).data?.product).toMatchObject({ id: "102", name: "Product B" });
    // With a real token for Bob, the forged header does not make him an admin either.
    const bob = await sendGraphQL(system.routerUrl, '{ user(id: "1") { email } }', {
      headers: { ...forged, ...(await bearer("2")) },
    });
    expect(bob.body).toEqual({ data: { user: { email: null } } });
  });
});

describe.each(["users", "products"] as const)("calling the %s subgraph directly, around the router", (name) => {
  const url = () => `${system.url(name)}/graphql`;
  const QUERY = name === "users" ? '{ user(id: "1") { id } }' : '{ product(id: "101") { id } }';
  const DATA = name === "users" ? { user: { id: "1" } } : { product: { id: "101" } };
  const post = (body: string, headers: Record<string, string>) =>
    fetch(url(), { method: "POST", headers: { "content-type": "application/json", ...headers }, body }).then(
      async (response) => ({ status: response.status, body: (await response.json()) as GraphQLExchange["body"] }),
    );
  const refusedWith401 = (exchange: { status: number; body: GraphQLExchange["body"] }) => {
    expect(exchange.status).toBe(401);
    expect(exchange.body.data).toBeUndefined();
    expect(exchange.body.errors?.map((error) => error.extensions?.code)).toEqual(["SIGNATURE_INVALID"]);
  };

  it("an unsigned request gets 401 SIGNATURE_INVALID, a forged identity header included; signed, it is answered", async () => {
    refusedWith401(await sendGraphQL(url(), QUERY));
    refusedWith401(
      await sendGraphQL(url(), QUERY, {
        headers: { [IDENTITY_HEADER]: encodeIdentity({ userId: "1", scopes: ["admin"] }) },
      }),
    );
    expect((await sendGraphQL(url(), QUERY, { sign: true })).body).toEqual({ data: DATA });
  });

  it("a badly signed request gets 401: another secret, another body, a malformed signature", async () => {
    const body = graphQLBody(QUERY);
    refusedWith401(await post(body, signedHeaders(body, { secret: "not-the-shared-secret" })));
    refusedWith401(await post(graphQLBody(`${QUERY} `), signedHeaders(body)));
    refusedWith401(await post(body, { ...signedHeaders(body), [SIGNATURE_HEADER]: "t=1,n=x,v1=00" }));
    const identity = signedHeaders(body, { identity: ALICE });
    // Alice's signed request, her identity swapped for an admin's.
    const admin = encodeIdentity({ userId: "1", scopes: ["admin"] });
    refusedWith401(await post(body, { ...identity, [IDENTITY_HEADER]: admin }));
  });

  it("the exact same signed request sent twice: the second is refused as a replay", async () => {
    const body = graphQLBody(QUERY);
    const headers = signedHeaders(body);
    expect(await post(body, headers)).toEqual({ status: 200, body: { data: DATA } });
    refusedWith401(await post(body, headers));
  });

  it("a request signed outside the time window (10 minutes ago, or ahead) gets 401", async () => {
    refusedWith401(await sendGraphQL(url(), QUERY, { sign: { now: Date.now() - 10 * 60_000 } }));
    refusedWith401(await sendGraphQL(url(), QUERY, { sign: { now: Date.now() + 10 * 60_000 } }));
  });

  it("GET /health answers unsigned; GraphQL over GET does not", async () => {
    const health = await fetch(`${system.url(name)}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", service: name });
    const get = await fetch(`${url()}?query=${encodeURIComponent(QUERY)}`, {
      headers: { "apollo-require-preflight": "true" },
    });
    expect(get.status).toBe(401);
  });
});

describe("the issue's opening example", () => {
  it("POST :<users port>/graphql asking _entities for user 1's email, unsigned, gets nothing: 401", async () => {
    const query = '{ _entities(representations: [{ __typename: "User", id: "1" }]) { ... on User { email } } }';
    const stolen = await sendGraphQL(`${system.url("users")}/graphql`, query);
    expect(stolen.status).toBe(401);
    expect(stolen.body).toEqual({
      errors: [expect.objectContaining({ extensions: { code: "SIGNATURE_INVALID" } })],
    });
    expect(JSON.stringify(stolen.body)).not.toContain("alice@example.com");
    // Signed by the router for an anonymous caller, the email is still private.
    expect((await sendGraphQL(`${system.url("users")}/graphql`, query, { sign: true })).body).toEqual({
      data: { _entities: [{ email: null }] },
    });
  });
});
