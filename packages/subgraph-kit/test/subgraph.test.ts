import { DEFAULT_SIGNATURE_MAX_AGE_MS, encodeIdentity, IDENTITY_HEADER, SIGNATURE_HEADER } from "@supergraph/auth";
import { ErrorCode } from "@supergraph/error-codes";
import { ConfigError } from "@supergraph/service-kit";
import { describe, expect, it } from "vitest";
import { DEVELOPMENT_SIGNING, SIGNATURE_REFUSAL_MESSAGE, type SigningSettings } from "../src/index.js";
import {
  asAdmin,
  asUser,
  expectError,
  expectRefused,
  signedHeaders,
  signedPost,
  startTestSubgraph,
} from "../src/testing.js";
import { things } from "./things.js";

const start = (options?: { signing?: SigningSettings }) => startTestSubgraph(things, options);

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

    const bad = await signedPost(`${origin}/graphql`, "{not json");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      errors: [{ message: expect.any(String), extensions: { code: ErrorCode.BAD_REQUEST } }],
    });

    const ok = await signedPost(`${origin}/graphql`, { query: '{ thing(id: "1") { label } }' });
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

describe("only requests signed by the router", () => {
  const create = JSON.stringify({ query: 'mutation { createThing(input: { label: "intruder" }) { id label } }' });
  const listing = "{ things { nodes { id label } } }";
  const refused = {
    errors: [{ message: SIGNATURE_REFUSAL_MESSAGE, extensions: { code: ErrorCode.SIGNATURE_INVALID } }],
  };

  it("answers a signed request, with the identity it carries in the context", async () => {
    await using subgraph = await start();
    const url = `${await subgraph.listen()}/graphql`;
    const created = await signedPost(url, create, { identity: asUser("7") });
    expect(created.status).toBe(200);
    expect(await created.json()).toEqual({ data: { createThing: { id: "4", label: "intruder" } } });

    const caller = { query: "{ caller { userId scopes } }" };
    expect(await (await signedPost(url, caller, { identity: asAdmin("3") })).json()).toEqual({
      data: { caller: { userId: "3", scopes: ["admin"] } },
    });
    expect(await (await signedPost(url, caller)).json()).toEqual({ data: { caller: null } });
  });

  // Read when each request is signed, not when the tests are collected (later tests run seconds after).
  const stale = () => Date.now() - DEFAULT_SIGNATURE_MAX_AGE_MS - 5000;
  const future = () => Date.now() + DEFAULT_SIGNATURE_MAX_AGE_MS + 5000;
  it.each<[string, (url: string) => Promise<Response>]>([
    [
      "unsigned",
      (url) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: create }),
    ],
    [
      "signed with another secret (bad MAC)",
      (url) => signedPost(url, create, { secret: "not-the-secret-the-subgraph-shares-with-the-router" }),
    ],
    [
      "with a malformed signature header",
      (url) => signedPost(url, create, { headers: { [SIGNATURE_HEADER]: "t=1,v1=zz" } }),
    ],
    [
      "with a body other than the signed one",
      (url) =>
        fetch(url, {
          method: "POST",
          headers: signedHeaders(JSON.stringify({ query: "{ things { nodes { id } } }" })),
          body: create,
        }),
    ],
    [
      "with another identity than the signed one",
      (url) =>
        signedPost(url, create, {
          identity: asUser("2"),
          headers: { [IDENTITY_HEADER]: encodeIdentity(asAdmin("2")) },
        }),
    ],
    ["signed too long ago", (url) => signedPost(url, create, { now: stale() })],
    ["signed in the future", (url) => signedPost(url, create, { now: future() })],
    [
      "sent as a GET, even signed",
      (url) =>
        fetch(`${url}?query=${encodeURIComponent("{ things { nodes { id } } }")}`, {
          headers: { ...signedHeaders(""), "apollo-require-preflight": "true" },
        }),
    ],
  ])("refuses a request %s with 401 SIGNATURE_INVALID, changing nothing", async (_name, send) => {
    await using subgraph = await start();
    const url = `${await subgraph.listen()}/graphql`;
    const before = await subgraph.run(listing);
    const response = await send(url);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Signature /);
    expect(await response.json()).toEqual(refused);
    expect(await subgraph.run(listing)).toEqual(before);
  });

  it("refuses a signed request sent a second time (a replay), changing nothing more", async () => {
    await using subgraph = await start();
    const url = `${await subgraph.listen()}/graphql`;
    const headers = signedHeaders(create, { identity: asUser("1") });
    const first = await fetch(url, { method: "POST", headers, body: create });
    expect(first.status).toBe(200);
    const after = await subgraph.run(listing);
    const replay = await fetch(url, { method: "POST", headers, body: create });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toEqual(refused);
    expect(await subgraph.run(listing)).toEqual(after);
  });

  it("checks signatures with the secret and window it is given", async () => {
    const secret = "a-test-secret-that-is-long-enough-for-production";
    await using subgraph = await start({ signing: { secret, maxAgeMs: 2000 } });
    const url = `${await subgraph.listen()}/graphql`;
    const query = { query: '{ thing(id: "1") { label } }' };
    expect((await signedPost(url, query)).status).toBe(401); // the development secret
    expect((await signedPost(url, query, { secret, now: Date.now() - 5000 })).status).toBe(401);
    expect(await (await signedPost(url, query, { secret })).json()).toEqual({ data: { thing: { label: "one" } } });
  });

  it("keeps /health open to unsigned requests", async () => {
    await using subgraph = await start();
    const health = await fetch(`${await subgraph.listen()}/health`);
    expect(health.status).toBe(200);
  });
});

describe("BENCHMARK_ACCEPT_UNSIGNED (benchmarks only): requests without the router's signature headers", () => {
  const caller = JSON.stringify({ query: "{ caller { userId scopes } }" });
  const unsigned = (url: string, body = caller, headers: Record<string, string> = {}) =>
    fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  const accepting = () => start({ signing: { ...DEVELOPMENT_SIGNING, acceptUnsigned: true } });

  it("are answered as an anonymous caller with the setting", async () => {
    await using subgraph = await accepting();
    const url = `${await subgraph.listen()}/graphql`;
    const response = await unsigned(url);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { caller: null } });
    const listing = await unsigned(url, JSON.stringify({ query: '{ thing(id: "2") { label } }' }));
    expect(await listing.json()).toEqual({ data: { thing: { label: "two" } } });
  });

  it("are refused without it (401 SIGNATURE_INVALID)", async () => {
    await using subgraph = await start();
    const response = await unsigned(`${await subgraph.listen()}/graphql`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: ErrorCode.SIGNATURE_INVALID } }] });
  });

  it.each<[string, (url: string) => Promise<Response>]>([
    [
      "signed with another secret (bad MAC)",
      (url) => signedPost(url, caller, { secret: "not-the-secret-the-subgraph-shares-with-the-router" }),
    ],
    ["with a malformed signature header", (url) => unsigned(url, caller, { [SIGNATURE_HEADER]: "t=1,v1=zz" })],
    [
      "with an identity header but no signature (an identity is never taken on trust)",
      (url) => unsigned(url, caller, { [IDENTITY_HEADER]: encodeIdentity(asAdmin("3")) }),
    ],
    [
      "with another identity than the signed one",
      (url) =>
        signedPost(url, caller, {
          identity: asUser("2"),
          headers: { [IDENTITY_HEADER]: encodeIdentity(asAdmin("2")) },
        }),
    ],
    [
      "signed too long ago",
      (url) => signedPost(url, caller, { now: Date.now() - DEFAULT_SIGNATURE_MAX_AGE_MS - 5000 }),
    ],
    [
      "sent as a GET",
      (url) =>
        fetch(`${url}?query=${encodeURIComponent("{ caller { userId } }")}`, {
          headers: { "apollo-require-preflight": "true" },
        }),
    ],
  ])("still refuses a request %s with it (401)", async (_name, send) => {
    await using subgraph = await accepting();
    const response = await send(`${await subgraph.listen()}/graphql`);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      errors: [{ message: SIGNATURE_REFUSAL_MESSAGE, extensions: { code: ErrorCode.SIGNATURE_INVALID } }],
    });
  });

  it("still verifies a signed request with it, whose identity reaches the context; a replay is refused", async () => {
    await using subgraph = await accepting();
    const url = `${await subgraph.listen()}/graphql`;
    const headers = signedHeaders(caller, { identity: asAdmin("3") });
    const signed = await fetch(url, { method: "POST", headers, body: caller });
    expect(await signed.json()).toEqual({ data: { caller: { userId: "3", scopes: ["admin"] } } });
    expect((await fetch(url, { method: "POST", headers, body: caller })).status).toBe(401);
  });

  it("is off by default, read as a switch, and refused in production", () => {
    expect(things.readConfig({}).signing.acceptUnsigned).toBe(false);
    expect(things.readConfig({ BENCHMARK_ACCEPT_UNSIGNED: "1" }).signing.acceptUnsigned).toBe(true);
    expect(things.readConfig({ BENCHMARK_ACCEPT_UNSIGNED: "0" }).signing.acceptUnsigned).toBe(false);
    expect(() => things.readConfig({ BENCHMARK_ACCEPT_UNSIGNED: "maybe" })).toThrow(/BENCHMARK_ACCEPT_UNSIGNED/);
    const production = { NODE_ENV: "production", SUBGRAPH_SIGNING_SECRET: "s".repeat(48) };
    expect(things.readConfig(production).signing.acceptUnsigned).toBe(false);
    const refused = () => things.readConfig({ ...production, BENCHMARK_ACCEPT_UNSIGNED: "1" });
    expect(refused).toThrow(ConfigError);
    expect(refused).toThrow(/BENCHMARK_ACCEPT_UNSIGNED: accepting unsigned requests is refused in production/);
  });
});

describe("the subgraph's configuration", () => {
  const production = { NODE_ENV: "production" };

  it("defaults to the development signing secret and window outside production, never showing the secret", () => {
    const config = things.readConfig({});
    expect(config.signing).toMatchObject({ maxAgeMs: DEFAULT_SIGNATURE_MAX_AGE_MS });
    expect(config.signing.secret).toBe(things.readConfig({ NODE_ENV: "test" }).signing.secret);
    expect(JSON.stringify(config)).not.toContain(config.signing.secret);
    const configured = things.readConfig({ SUBGRAPH_SIGNING_SECRET: "short", SIGNATURE_MAX_AGE_MS: "5000" });
    expect(configured.signing).toMatchObject({ secret: "short", maxAgeMs: 5000 });
  });

  it.each([
    ["unset", {}, /SUBGRAPH_SIGNING_SECRET: required in production/],
    [
      "the development secret",
      { SUBGRAPH_SIGNING_SECRET: things.readConfig({}).signing.secret },
      /SUBGRAPH_SIGNING_SECRET: the development secret/,
    ],
    ["too short", { SUBGRAPH_SIGNING_SECRET: "0123456789" }, /SUBGRAPH_SIGNING_SECRET: at least 32 characters/],
  ])("refuses to start in production with a signing secret %s, naming the variable", (_name, env, problem) => {
    const read = () => things.readConfig({ ...production, ...env });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(problem);
    if ("SUBGRAPH_SIGNING_SECRET" in env) expect(read).not.toThrow(env.SUBGRAPH_SIGNING_SECRET);
  });

  it("accepts a long secret in production, from the variable or from a file", async () => {
    const secret = "s".repeat(48);
    expect(things.readConfig({ ...production, SUBGRAPH_SIGNING_SECRET: secret }).signing.secret).toBe(secret);
    const { mkdtemp, writeFile, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = await mkdtemp(join(tmpdir(), "subgraph-secret-"));
    try {
      await writeFile(join(dir, "secret"), `${secret}\n`);
      const config = things.readConfig({ ...production, SUBGRAPH_SIGNING_SECRET_FILE: join(dir, "secret") });
      expect(config.signing.secret).toBe(secret);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("turns the signature check off only outside production (PROTECTIONS=off, to measure its cost)", () => {
    expect(things.readConfig({}).protections).toBe(true);
    expect(things.readConfig({ PROTECTIONS: "off" }).protections).toBe(false);
    expect(() =>
      things.readConfig({ ...production, SUBGRAPH_SIGNING_SECRET: "s".repeat(48), PROTECTIONS: "off" }),
    ).toThrow(/PROTECTIONS: off is refused in production/);
  });

  it("names every bad variable at once", () => {
    expect(() => things.readConfig({ ...production, PORT: "x", SIGNATURE_MAX_AGE_MS: "soon" })).toThrow(
      expect.objectContaining({
        problems: [
          expect.stringMatching(/^PORT/),
          expect.stringMatching(/^SIGNATURE_MAX_AGE_MS/),
          expect.stringMatching(/^SUBGRAPH_SIGNING_SECRET/),
        ],
      }),
    );
  });
});
