import { asAdmin, startTestSubgraph } from "@supergraph/subgraph-kit/testing";
import { describe, expect, it } from "vitest";
import { generatedUsers } from "./dataset.js";
import { users } from "./server.js";

/** SEED_USERS=50 (SEED_PRODUCTS is the products subgraph's part). */
const dataset = { users: 50, products: 200, randomSeed: 1 };
const admin = asAdmin();

/** Every user row, as the database holds it. */
const COLUMNS = ["id", "name", "email", "created_at"];

describe("the generated dataset (SEED_DATASET=generated): the users' part", () => {
  it('inserts SEED_USERS users with ids from 2000001, named "User <i>", with email "user<i>@example.com"', async () => {
    await using subgraph = await startTestSubgraph(users, { dataset });
    const result = await subgraph.run(
      '{ users(first: 100) { totalCount nodes { id name email createdAt } } none: user(id: "2000051") { id } }',
      undefined,
      { identity: admin },
    );
    expect(result.errors).toBeUndefined();
    const { users: page, none } = result.data as {
      users: { totalCount: number; nodes: { id: string; name: string; email: string; createdAt: string }[] };
      none: null;
    };
    expect(page.totalCount).toBe(52);
    expect(page.nodes.slice(0, 3)).toEqual([
      expect.objectContaining({ id: "1", name: "Alice" }),
      expect.objectContaining({ id: "2", name: "Bob" }),
      { id: "2000001", name: "User 1", email: "user1@example.com", createdAt: "2025-01-01T00:01:00.000Z" },
    ]);
    expect(page.nodes.at(-1)).toEqual({
      id: "2000050",
      name: "User 50",
      email: "user50@example.com",
      createdAt: "2025-01-01T00:50:00.000Z",
    });
    expect(none).toBeNull();
  });

  it("is the same data, byte for byte, wherever and whenever it is inserted", async () => {
    await using first = await startTestSubgraph(users, { dataset });
    await using second = await startTestSubgraph(users, { dataset });
    expect(await second.dump("users", COLUMNS)).toBe(await first.dump("users", COLUMNS));
    expect(JSON.stringify(generatedUsers(dataset))).toBe(JSON.stringify(generatedUsers({ users: 50 })));
  });

  it("inserts nothing on a second start, and a sign-up afterwards takes the id after the generated ones", async () => {
    await using subgraph = await startTestSubgraph(users, { dataset });
    const before = await subgraph.dump("users", COLUMNS);
    expect(await subgraph.seedGeneratedDataset(dataset)).toEqual({ expected: 50, inserted: 0 });
    expect(await subgraph.dump("users", COLUMNS)).toBe(before);
    const created = await subgraph.run(
      'mutation { createUser(input: { name: "Carol", email: "carol@example.com" }) { id } }',
    );
    expect(created).toEqual({ data: { createUser: { id: "2000051" } } });
  });

  it("skips a generated user whose email someone signed up with already, instead of failing the start", async () => {
    await using subgraph = await startTestSubgraph(users);
    await subgraph.run('mutation { createUser(input: { name: "Three", email: "user3@example.com" }) { id } }');
    expect(await subgraph.seedGeneratedDataset(dataset)).toEqual({ expected: 50, inserted: 49 });
    const result = await subgraph.run(
      '{ a: user(id: "3") { name } b: user(id: "2000003") { name } c: user(id: "2000004") { name } }',
    );
    expect(result.data).toEqual({ a: { name: "Three" }, b: null, c: { name: "User 4" } });
  });

  it("serves a page and a batch of representations of generated users with one store query each", async () => {
    await using subgraph = await startTestSubgraph(users, { dataset });
    const pages = subgraph.record("list");
    const lookups = subgraph.record("findByIds");
    const page = await subgraph.run("{ users(first: 100) { nodes { id name } } }");
    expect((page.data as { users: { nodes: unknown[] } }).users.nodes).toHaveLength(52);
    const r = Array.from({ length: 100 }, (_, i) => ({ __typename: "User", id: String(2_000_001 + (i % 50)) }));
    const entities = await subgraph.run(
      "query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { name } } }",
      {
        r,
      },
    );
    expect((entities.data as { _entities: unknown[] })._entities).toHaveLength(100);
    expect(pages).toHaveLength(1);
    expect(lookups).toHaveLength(1);
    expect(lookups[0]?.[0]).toHaveLength(50);
  });
});
