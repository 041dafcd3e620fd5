import { ErrorCode } from "@supergraph/error-codes";
import { ConfigError } from "@supergraph/service-kit";
import {
  asAdmin,
  asUser,
  expectError,
  expectRefused,
  signedPost,
  startTestSubgraph,
} from "@supergraph/subgraph-kit/testing";
import { describe, expect, it } from "vitest";
import { users } from "./server.js";

/** The users subgraph over a fresh in-memory database, seeded with Alice (1) and Bob (2). */
const start = (settings?: { SIGNUP?: "open" | "admin" }) => startTestSubgraph(users, { settings });
const alice = asUser("1");
const bob = asUser("2");
const admin = asAdmin();
/** Every user's data, as an admin sees it: what a refused mutation must leave as it was. */
const everyone = "{ users { nodes { id name email } } }";

describe("users queries", () => {
  it("lists the seed users in id order with page info and total count", async () => {
    await using subgraph = await start();
    const result = await subgraph.run(
      "{ users { totalCount nodes { id name email } pageInfo { hasNextPage endCursor } } }",
      undefined,
      { identity: admin },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      users: {
        totalCount: 2,
        nodes: [
          { id: "1", name: "Alice", email: "alice@example.com" },
          { id: "2", name: "Bob", email: "bob@example.com" },
        ],
        pageInfo: { hasNextPage: false, endCursor: expect.any(String) },
      },
    });
  });

  it("pages with first/after without skipping or repeating users", async () => {
    await using subgraph = await start();
    for (const name of ["Carol", "Dave", "Erin"]) {
      await subgraph.run(`mutation { createUser(input: { name: "${name}", email: "${name}@example.com" }) { id } }`);
    }
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const result = await subgraph.run(
        "query ($after: String) { users(first: 2, after: $after) { nodes { name } pageInfo { hasNextPage endCursor } } }",
        { after },
      );
      const connection = (
        result.data as { users: { nodes: { name: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } }
      ).users;
      seen.push(...connection.nodes.map((u) => u.name));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(["Alice", "Bob", "Carol", "Dave", "Erin"]);
  });

  it("returns one user by id, and null for an unknown id", async () => {
    await using subgraph = await start();
    const result = await subgraph.run('{ a: user(id: "1") { name createdAt } b: user(id: "999") { name } }');
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ a: { name: "Alice", createdAt: "2026-01-01T09:00:00.000Z" }, b: null });
  });

  it.each([
    ['{ user(id: "abc") { name } }', "id"],
    ['{ user(id: "-1") { name } }', "id"],
    ["{ users(first: 101) { nodes { id } } }", "first"],
    ["{ users(first: 0) { nodes { id } } }", "first"],
    ['{ users(after: "not-a-cursor") { nodes { id } } }', "after"],
  ])("rejects bad arguments with BAD_USER_INPUT: %s", async (query, field) => {
    await using subgraph = await start();
    expectError(await subgraph.run(query), ErrorCode.BAD_USER_INPUT, field);
  });
});

describe("users mutations", () => {
  it("signs a user up (anyone may), who then updates and deletes themselves", async () => {
    await using subgraph = await start();
    const created = await subgraph.run(
      'mutation { createUser(input: { name: "  Carol ", email: "Carol@Example.com" }) { id name email createdAt } }',
    );
    expect(created.errors).toBeUndefined();
    const user = (created.data as { createUser: { id: string; name: string; email: string; createdAt: string } })
      .createUser;
    // Signed up anonymously: not yet Carol, so her email is not shown.
    expect(user).toMatchObject({ id: "3", name: "Carol", email: null });
    expect(Number.isNaN(Date.parse(user.createdAt))).toBe(false);
    const carol = asUser("3");

    const updated = await subgraph.run(
      'mutation { updateUser(id: "3", input: { name: "Caroline" }) { name email } }',
      undefined,
      { identity: carol },
    );
    expect(updated.data).toEqual({ updateUser: { name: "Caroline", email: "carol@example.com" } });

    await expectRefused(subgraph, 'mutation { deleteUser(id: "3") { id } }', {
      code: ErrorCode.FORBIDDEN,
      identity: alice,
      unchanged: everyone,
    });
    const deleted = await subgraph.run('mutation { deleteUser(id: "3") { id } }', undefined, { identity: carol });
    expect(deleted.data).toEqual({ deleteUser: { id: "3" } });
    expect((await subgraph.run('{ user(id: "3") { id } }')).data).toEqual({ user: null });
  });

  it("lets an admin update and delete any user", async () => {
    await using subgraph = await start();
    const updated = await subgraph.run(
      'mutation { updateUser(id: "2", input: { name: "Robert" }) { name email } }',
      {},
      {
        identity: admin,
      },
    );
    expect(updated.data).toEqual({ updateUser: { name: "Robert", email: "bob@example.com" } });
    const deleted = await subgraph.run('mutation { deleteUser(id: "2") { id } }', {}, { identity: admin });
    expect(deleted.data).toEqual({ deleteUser: { id: "2" } });
  });

  it.each([
    ['createUser(input: { name: "", email: "x@example.com" })', ErrorCode.BAD_USER_INPUT, "input.name"],
    ['createUser(input: { name: "   ", email: "x@example.com" })', ErrorCode.BAD_USER_INPUT, "input.name"],
    [
      `createUser(input: { name: "${"x".repeat(101)}", email: "x@example.com" })`,
      ErrorCode.BAD_USER_INPUT,
      "input.name",
    ],
    ['createUser(input: { name: "X", email: "not-an-email" })', ErrorCode.BAD_USER_INPUT, "input.email"],
    ['createUser(input: { name: "X", email: "ALICE@example.com" })', ErrorCode.CONFLICT, "email"],
    ['updateUser(id: "2", input: { email: "alice@example.com" })', ErrorCode.CONFLICT, "email"],
    ['updateUser(id: "999", input: { name: "X" })', ErrorCode.NOT_FOUND, undefined],
    ['updateUser(id: "x", input: { name: "X" })', ErrorCode.BAD_USER_INPUT, "id"],
    ['deleteUser(id: "999")', ErrorCode.NOT_FOUND, undefined],
  ])("rejects %s with %s and changes nothing (even for an admin)", async (mutation, code, field) => {
    await using subgraph = await start();
    await expectRefused(subgraph, `mutation { ${mutation} { id } }`, {
      code,
      field,
      unchanged: everyone,
      identity: admin,
    });
  });
});

describe("who may change a user: the user themselves or an admin", () => {
  it.each([
    ["anonymous", 'updateUser(id: "1", input: { name: "Mallory" })', null, ErrorCode.UNAUTHENTICATED],
    ["anonymous", 'deleteUser(id: "1")', null, ErrorCode.UNAUTHENTICATED],
    ["anonymous, for a user that does not exist", 'deleteUser(id: "999")', null, ErrorCode.UNAUTHENTICATED],
    ["Bob", 'updateUser(id: "1", input: { name: "Mallory" })', bob, ErrorCode.FORBIDDEN],
    ["Bob", 'updateUser(id: "1", input: { email: "bob2@example.com" })', bob, ErrorCode.FORBIDDEN],
    ["Bob", 'deleteUser(id: "1")', bob, ErrorCode.FORBIDDEN],
    ["a non-admin with other scopes", 'deleteUser(id: "1")', asUser("2", ["reader"]), ErrorCode.FORBIDDEN],
    // Existence is checked before ownership (users are listed publicly, so this tells nothing new).
    ["Bob, for a user that does not exist", 'updateUser(id: "999", input: { name: "X" })', bob, ErrorCode.NOT_FOUND],
  ] as const)("refuses %s: %s with %s and changes nothing", async (_who, mutation, identity, code) => {
    await using subgraph = await start();
    await expectRefused(subgraph, `mutation { ${mutation} { id } }`, { code, identity, unchanged: everyone });
  });

  it("says who may, or that a sign-in is needed, when it refuses", async () => {
    await using subgraph = await start();
    const result = await subgraph.run('mutation { deleteUser(id: "1") { id } }', {}, { identity: bob });
    expectError(result, ErrorCode.FORBIDDEN);
    expect(result.errors?.[0]?.message).toBe('Only the user themselves or an admin may delete user "1".');
    const anonymous = await subgraph.run('mutation { deleteUser(id: "1") { id } }');
    expect(anonymous.errors?.[0]?.message).toBe('Sign in to delete user "1".');
  });

  it("lets a seed user change their own data", async () => {
    await using subgraph = await start();
    const result = await subgraph.run(
      'mutation { updateUser(id: "1", input: { email: "ada@example.com" }) { id email } }',
      {},
      { identity: alice },
    );
    expect(result.data).toEqual({ updateUser: { id: "1", email: "ada@example.com" } });
  });
});

describe("sign-up (SIGNUP)", () => {
  const signUp = 'mutation { createUser(input: { name: "Dan", email: "dan@example.com" }) { id name } }';

  it("is open by default: anonymous callers and users alike", async () => {
    await using subgraph = await start();
    expect((await subgraph.run(signUp)).data).toEqual({ createUser: { id: "3", name: "Dan" } });
    expect(users.readSettings({})).toEqual({ SIGNUP: "open" });
  });

  it("with SIGNUP=admin, only admins create users", async () => {
    await using subgraph = await start({ SIGNUP: "admin" });
    await expectRefused(subgraph, signUp, { code: ErrorCode.UNAUTHENTICATED, identity: null, unchanged: everyone });
    await expectRefused(subgraph, signUp, { code: ErrorCode.FORBIDDEN, identity: alice, unchanged: everyone });
    const created = await subgraph.run(signUp, {}, { identity: admin });
    expect(created.data).toEqual({ createUser: { id: "3", name: "Dan" } });
  });

  it("reads SIGNUP from the environment, refusing other values with the variable's name", () => {
    expect(users.readConfig({ SIGNUP: " Admin " }).settings).toEqual({ SIGNUP: "admin" });
    expect(users.readConfig({ SIGNUP: "" }).settings).toEqual({ SIGNUP: "open" });
    expect(() => users.readConfig({ SIGNUP: "invite" })).toThrow(ConfigError);
    expect(() => users.readConfig({ SIGNUP: "invite" })).toThrow(/SIGNUP: expected "open"/);
  });
});

describe("email is private: the user themselves and admins see it", () => {
  const query = '{ alice: user(id: "1") { email } bob: user(id: "2") { email } }';

  it.each([
    ["Alice", alice, { alice: { email: "alice@example.com" }, bob: { email: null } }],
    ["Bob", bob, { alice: { email: null }, bob: { email: "bob@example.com" } }],
    ["an admin", admin, { alice: { email: "alice@example.com" }, bob: { email: "bob@example.com" } }],
    ["an anonymous caller", null, { alice: { email: null }, bob: { email: null } }],
  ])("as %s", async (_who, identity, expected) => {
    await using subgraph = await start();
    const result = await subgraph.run(query, {}, { identity });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual(expected);
  });

  it("also when the router resolves users as entities (e.g. a product's createdBy { email })", async () => {
    await using subgraph = await start();
    const entities = "query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id email } } }";
    const r = [
      { __typename: "User", id: "1" },
      { __typename: "User", id: "2" },
    ];
    const emails = async (identity: typeof alice | null) =>
      (
        (await subgraph.run(entities, { r }, { identity })).data as { _entities: { email: string | null }[] }
      )._entities.map((user) => user.email);
    expect(await emails(alice)).toEqual(["alice@example.com", null]);
    expect(await emails(admin)).toEqual(["alice@example.com", "bob@example.com"]);
    expect(await emails(null)).toEqual([null, null]);
  });

  it("over HTTP, from the identity of the router's signed request", async () => {
    await using subgraph = await start();
    const url = `${await subgraph.listen()}/graphql`;
    const query = { query: '{ user(id: "1") { name email } }' };
    expect(await (await signedPost(url, query, { identity: alice })).json()).toEqual({
      data: { user: { name: "Alice", email: "alice@example.com" } },
    });
    expect(await (await signedPost(url, query, { identity: bob })).json()).toEqual({
      data: { user: { name: "Alice", email: null } },
    });
    const rename = { query: 'mutation { updateUser(id: "1", input: { name: "Mallory" }) { name } }' };
    const forbidden = (await (await signedPost(url, rename, { identity: bob })).json()) as {
      errors: { extensions: { code: string } }[];
    };
    expect(forbidden.errors.map((error) => error.extensions.code)).toEqual([ErrorCode.FORBIDDEN]);
    const unsigned = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(query),
    });
    expect(unsigned.status).toBe(401);
    expect((await subgraph.run('{ user(id: "1") { name } }')).data).toEqual({ user: { name: "Alice" } });
  });
});

describe("User entity (@key id)", () => {
  const entitiesQuery = "query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name email } } }";

  it("resolves representations in order, with null for unknown or malformed ids", async () => {
    await using subgraph = await start();
    const result = await subgraph.run(
      entitiesQuery,
      {
        r: [
          { __typename: "User", id: "2" },
          { __typename: "User", id: "404" },
          { __typename: "User", id: "1" },
          { __typename: "User", id: "nope" },
        ],
      },
      { identity: admin },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      _entities: [
        { id: "2", name: "Bob", email: "bob@example.com" },
        null,
        { id: "1", name: "Alice", email: "alice@example.com" },
        null,
      ],
    });
  });

  it("resolves a batch of many representations with one store lookup", async () => {
    await using subgraph = await start();
    const lookups = subgraph.record("findByIds");
    const representations = Array.from({ length: 200 }, (_, i) => ({ __typename: "User", id: String((i % 3) + 1) }));
    const result = await subgraph.run(entitiesQuery, { r: representations });
    expect(result.errors).toBeUndefined();
    const entities = (result.data as { _entities: ({ name: string } | null)[] })._entities;
    expect(entities).toHaveLength(200);
    expect(entities.slice(0, 3)).toEqual([
      expect.objectContaining({ name: "Alice" }),
      expect.objectContaining({ name: "Bob" }),
      null,
    ]);
    expect(lookups).toEqual([[[1, 2, 3]]]);
  });

  it("serves its SDL with the federation key through _service", async () => {
    await using subgraph = await start();
    const result = await subgraph.run("{ _service { sdl } }");
    expect((result.data as { _service: { sdl: string } })._service.sdl).toMatch(/type User\s+@key\(fields: "id"\)/);
  });
});
