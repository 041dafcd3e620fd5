import { ErrorCode } from "@supergraph/error-codes";
import { describe, expect, it } from "vitest";
import { expectError, expectRefused, startTestSubgraph } from "../src/testing.js";
import { things } from "./things.js";

const start = () => startTestSubgraph(things);

describe("a subgraph built from the kit's parts (entityResolvers over an EntityStore)", () => {
  it("pages a list in id order with first/after, and finds one by id (null when unknown)", async () => {
    await using subgraph = await start();
    const first = await subgraph.run("{ things(first: 2) { nodes { id label } pageInfo { hasNextPage endCursor } } }");
    expect(first.data).toEqual({
      things: {
        nodes: [
          { id: "1", label: "one" },
          { id: "2", label: "two" },
        ],
        pageInfo: { hasNextPage: true, endCursor: expect.any(String) },
      },
    });
    const after = (first.data as { things: { pageInfo: { endCursor: string } } }).things.pageInfo.endCursor;
    const rest = await subgraph.run(
      "query ($after: String) { things(after: $after) { nodes { id } pageInfo { hasNextPage } } }",
      {
        after,
      },
    );
    expect(rest.data).toEqual({ things: { nodes: [{ id: "3" }], pageInfo: { hasNextPage: false } } });
    expect((await subgraph.run('{ a: thing(id: "2") { label } b: thing(id: "9") { label } }')).data).toEqual({
      a: { label: "two" },
      b: null,
    });
  });

  it("creates, updates (nothing to change included) and deletes, validating input with the subgraph's rules", async () => {
    await using subgraph = await start();
    expect((await subgraph.run('mutation { createThing(input: { label: " four " }) { id label } }')).data).toEqual({
      createThing: { id: "4", label: "four" },
    });
    expect((await subgraph.run('mutation { updateThing(id: "4", input: { label: "4" }) { label } }')).data).toEqual({
      updateThing: { label: "4" },
    });
    expect((await subgraph.run('mutation { updateThing(id: "4", input: {}) { label } }')).data).toEqual({
      updateThing: { label: "4" },
    });
    expect((await subgraph.run('mutation { deleteThing(id: "4") { label } }')).data).toEqual({
      deleteThing: { label: "4" },
    });
  });

  it.each([
    ['{ thing(id: "0") { id } }', ErrorCode.BAD_USER_INPUT, "id"],
    ["{ things(first: 101) { nodes { id } } }", ErrorCode.BAD_USER_INPUT, "first"],
    ['{ things(after: "bm90IGEgY3Vyc29y") { nodes { id } } }', ErrorCode.BAD_USER_INPUT, "after"],
  ])("refuses %s with %s naming %s", async (query, code, field) => {
    await using subgraph = await start();
    expectError(await subgraph.run(query), code, field);
  });

  it.each([
    ['createThing(input: { label: "" })', ErrorCode.BAD_USER_INPUT, "input.label"],
    ['updateThing(id: "x", input: { label: "y" })', ErrorCode.BAD_USER_INPUT, "id"],
    ['updateThing(id: "8", input: { label: "y" })', ErrorCode.NOT_FOUND, undefined],
    ['deleteThing(id: "8")', ErrorCode.NOT_FOUND, undefined],
  ])("refuses %s with %s and changes nothing", async (mutation, code, field) => {
    await using subgraph = await start();
    const unchanged = "{ things { nodes { id label } } }";
    await expectRefused(subgraph, `mutation { ${mutation} { id } }`, { code, field, unchanged });
  });

  it("resolves entity representations in order, null for unknown or malformed ids, in one store call", async () => {
    await using subgraph = await start();
    const lookups = subgraph.record("findByIds");
    const ids = ["3", "7", "1", "x", "3"];
    const result = await subgraph.run(
      "query ($r: [_Any!]!) { _entities(representations: $r) { ... on Thing { id label } } }",
      { r: ids.map((id) => ({ __typename: "Thing", id })) },
    );
    expect(result.data).toEqual({
      _entities: [{ id: "3", label: "three" }, null, { id: "1", label: "one" }, null, { id: "3", label: "three" }],
    });
    expect(lookups).toEqual([[[3, 7, 1]]]);
  });

  it("serves exactly its schema file as its SDL (what the drift check compares)", async () => {
    const sdl = await things.servedSdl();
    expect(sdl).toMatch(/type Thing\s+@key\(fields: "id"\)/);
    expect(sdl).toContain("createThing(input: CreateThingInput!): Thing!");
  });
});

describe("the subgraph's HTTP service", () => {
  it("answers /health with the database status and rejects malformed JSON with BAD_REQUEST, then keeps serving", async () => {
    await using subgraph = await start();
    const origin = await subgraph.listen();
    const health = await fetch(`${origin}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: "ok",
      service: "things",
      checks: { database: { status: "ok" } },
    });

    const bad = await fetch(`${origin}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      errors: [{ message: expect.any(String), extensions: { code: ErrorCode.BAD_REQUEST } }],
    });

    const ok = await fetch(`${origin}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: '{ thing(id: "1") { label } }' }),
    });
    expect(await ok.json()).toEqual({ data: { thing: { label: "one" } } });
  });

  it("reports the database as failing on /health (503) when it is closed", async () => {
    await using subgraph = await start();
    const origin = await subgraph.listen();
    await subgraph.db.destroy();
    const health = await fetch(`${origin}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: "fail", checks: { database: { status: "fail" } } });
  });
});
