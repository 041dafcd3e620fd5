import { ErrorCode } from "@supergraph/error-codes";
import { expectError, expectRefused, startTestSubgraph } from "@supergraph/subgraph-kit/testing";
import { describe, expect, it } from "vitest";
import { users } from "./server.js";

/** The users subgraph over a fresh in-memory database, seeded with Alice (1) and Bob (2). */
const start = () => startTestSubgraph(users);

describe("users queries", () => {
  it("lists the seed users in id order with page info and total count", async () => {
    await using subgraph = await start();
    const result = await subgraph.run(
      "{ users { totalCount nodes { id name email } pageInfo { hasNextPage endCursor } } }",
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
  it("creates, updates and deletes a user", async () => {
    await using subgraph = await start();
    const created = await subgraph.run(
      'mutation { createUser(input: { name: "  Carol ", email: "Carol@Example.com" }) { id name email createdAt } }',
    );
    expect(created.errors).toBeUndefined();
    const user = (created.data as { createUser: { id: string; name: string; email: string; createdAt: string } })
      .createUser;
    expect(user).toMatchObject({ id: "3", name: "Carol", email: "carol@example.com" });
    expect(Number.isNaN(Date.parse(user.createdAt))).toBe(false);

    const updated = await subgraph.run('mutation { updateUser(id: "3", input: { name: "Caroline" }) { name email } }');
    expect(updated.data).toEqual({ updateUser: { name: "Caroline", email: "carol@example.com" } });

    const deleted = await subgraph.run('mutation { deleteUser(id: "3") { id } }');
    expect(deleted.data).toEqual({ deleteUser: { id: "3" } });
    expect((await subgraph.run('{ user(id: "3") { id } }')).data).toEqual({ user: null });
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
  ])("rejects %s with %s and changes nothing", async (mutation, code, field) => {
    await using subgraph = await start();
    const unchanged = "{ users { nodes { id name email } } }";
    await expectRefused(subgraph, `mutation { ${mutation} { id } }`, { code, field, unchanged });
  });
});

describe("User entity (@key id)", () => {
  const entitiesQuery = "query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name email } } }";

  it("resolves representations in order, with null for unknown or malformed ids", async () => {
    await using subgraph = await start();
    const result = await subgraph.run(entitiesQuery, {
      r: [
        { __typename: "User", id: "2" },
        { __typename: "User", id: "404" },
        { __typename: "User", id: "1" },
        { __typename: "User", id: "nope" },
      ],
    });
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
