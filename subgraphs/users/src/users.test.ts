import { createLogger, migrateToLatest, openSqlite, type Service } from "@supergraph/service-kit";
import { errorCodes, executeOperation } from "@supergraph/service-kit/testing";
import type { Kysely } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Context, createContext } from "./context.js";
import { createServer } from "./server.js";
import { migrations } from "./store/migrations.js";
import type { UsersDatabase } from "./store/schema.js";
import { type User, UserStore } from "./store/userStore.js";

/** Counts store lookups, to prove entity resolution is batched. */
class CountingStore extends UserStore {
  findByIdsCalls: number[][] = [];
  override findByIds(ids: readonly number[]): Promise<(User | null)[]> {
    this.findByIdsCalls.push([...ids]);
    return super.findByIds(ids);
  }
}

let db: Kysely<UsersDatabase>;
let store: CountingStore;
let service: Service<Context>;

const run = (query: string, variables?: Record<string, unknown>) =>
  executeOperation(service, createContext(store), query, variables);

beforeEach(async () => {
  const logger = createLogger({ service: "users-test", level: "silent" });
  db = openSqlite<UsersDatabase>({ filename: ":memory:" });
  await migrateToLatest(db, migrations, logger);
  store = new CountingStore(db);
  service = await createServer({ db, logger, store });
});

afterEach(async () => {
  await service.close();
});

describe("users queries", () => {
  it("lists the seed users in id order with page info and total count", async () => {
    const result = await run("{ users { totalCount nodes { id name email } pageInfo { hasNextPage endCursor } } }");
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
    for (const name of ["Carol", "Dave", "Erin"]) {
      await run(`mutation { createUser(input: { name: "${name}", email: "${name}@example.com" }) { id } }`);
    }
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const result = await run(
        "query ($after: String) { users(first: 2, after: $after) { nodes { name } pageInfo { hasNextPage endCursor } } }",
        { after },
      );
      const users = (
        result.data as { users: { nodes: { name: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } }
      ).users;
      seen.push(...users.nodes.map((u) => u.name));
      if (!users.pageInfo.hasNextPage) break;
      after = users.pageInfo.endCursor;
    }
    expect(seen).toEqual(["Alice", "Bob", "Carol", "Dave", "Erin"]);
  });

  it("returns one user by id, and null for an unknown id", async () => {
    const result = await run('{ a: user(id: "1") { name createdAt } b: user(id: "999") { name } }');
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
    const result = await run(query);
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.extensions?.field).toBe(field);
    expect(result.errors?.[0]?.message).toContain(field);
  });
});

describe("users mutations", () => {
  it("creates, updates and deletes a user", async () => {
    const created = await run(
      'mutation { createUser(input: { name: "  Carol ", email: "Carol@Example.com" }) { id name email createdAt } }',
    );
    expect(created.errors).toBeUndefined();
    const user = (created.data as { createUser: { id: string; name: string; email: string; createdAt: string } })
      .createUser;
    expect(user).toMatchObject({ id: "3", name: "Carol", email: "carol@example.com" });
    expect(Number.isNaN(Date.parse(user.createdAt))).toBe(false);

    const updated = await run('mutation { updateUser(id: "3", input: { name: "Caroline" }) { name email } }');
    expect(updated.data).toEqual({ updateUser: { name: "Caroline", email: "carol@example.com" } });

    const deleted = await run('mutation { deleteUser(id: "3") { id } }');
    expect(deleted.data).toEqual({ deleteUser: { id: "3" } });
    expect((await run('{ user(id: "3") { id } }')).data).toEqual({ user: null });
  });

  it.each([
    ['createUser(input: { name: "", email: "x@example.com" })', "BAD_USER_INPUT", "input.name"],
    ['createUser(input: { name: "   ", email: "x@example.com" })', "BAD_USER_INPUT", "input.name"],
    [`createUser(input: { name: "${"x".repeat(101)}", email: "x@example.com" })`, "BAD_USER_INPUT", "input.name"],
    ['createUser(input: { name: "X", email: "not-an-email" })', "BAD_USER_INPUT", "input.email"],
    ['createUser(input: { name: "X", email: "ALICE@example.com" })', "CONFLICT", "email"],
    ['updateUser(id: "2", input: { email: "alice@example.com" })', "CONFLICT", "email"],
    ['updateUser(id: "999", input: { name: "X" })', "NOT_FOUND", undefined],
    ['updateUser(id: "x", input: { name: "X" })', "BAD_USER_INPUT", "id"],
    ['deleteUser(id: "999")', "NOT_FOUND", undefined],
  ])("rejects %s with %s", async (mutation, code, field) => {
    const before = await run("{ users { nodes { id name email } } }");
    const result = await run(`mutation { ${mutation} { id } }`);
    expect(errorCodes(result)).toEqual([code]);
    expect(result.errors?.[0]?.extensions?.field).toBe(field);
    expect(result.errors?.[0]?.message).not.toMatch(/sqlite|constraint|select|insert|at \w+ \(/i);
    // Nothing changed.
    expect(await run("{ users { nodes { id name email } } }")).toEqual(before);
  });
});

describe("User entity (@key id)", () => {
  const entitiesQuery = "query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name email } } }";

  it("resolves representations in order, with null for unknown or malformed ids", async () => {
    const result = await run(entitiesQuery, {
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
    const representations = Array.from({ length: 200 }, (_, i) => ({ __typename: "User", id: String((i % 3) + 1) }));
    const result = await run(entitiesQuery, { r: representations });
    expect(result.errors).toBeUndefined();
    const entities = (result.data as { _entities: ({ name: string } | null)[] })._entities;
    expect(entities).toHaveLength(200);
    expect(entities.slice(0, 3)).toEqual([
      expect.objectContaining({ name: "Alice" }),
      expect.objectContaining({ name: "Bob" }),
      null,
    ]);
    expect(store.findByIdsCalls).toEqual([[1, 2, 3]]);
  });

  it("serves its SDL with the federation key through _service", async () => {
    const result = await run("{ _service { sdl } }");
    expect((result.data as { _service: { sdl: string } })._service.sdl).toMatch(/type User\s+@key\(fields: "id"\)/);
  });
});

describe("users HTTP service", () => {
  it("answers /health with the database status and rejects malformed JSON with BAD_REQUEST", async () => {
    const { port } = await service.listen(0, "127.0.0.1");
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: "ok",
      service: "users",
      checks: { database: { status: "ok" } },
    });

    const bad = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      errors: [{ message: expect.any(String), extensions: { code: "BAD_REQUEST" } }],
    });

    // Still serving after bad input.
    const ok = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: '{ user(id: "1") { name } }' }),
    });
    expect(await ok.json()).toEqual({ data: { user: { name: "Alice" } } });
  });

  it("reports the database as failing on /health when it is closed", async () => {
    const { port } = await service.listen(0, "127.0.0.1");
    await db.destroy();
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: "fail", checks: { database: { status: "fail" } } });
  });
});
