import { createTokenVerifier, DEVELOPMENT_SECRETS, mintToken } from "@supergraph/auth";
import { type Graph, type RouterInputs, startGraph } from "@supergraph/testing";
import { afterEach, describe, expect, it } from "vitest";
import { readRouterFile } from "../routerFile.js";
import { resolveSecuritySettings } from "../security/settings.js";
import { createServer } from "../server.js";
import type { DeduplicationSettings } from "./settings.js";

const SIGNING = "dedup-test-signing-secret-0123456789abcdef";
/** Long enough that every request of a burst arrives while the first one's subgraph fetch is still out. */
const SUBGRAPH_DELAY_MS = 300;

const router = (deduplication?: DeduplicationSettings) => (inputs: RouterInputs) => {
  const settings = resolveSecuritySettings({});
  return createServer({
    ...inputs,
    security: {
      verifyToken: createTokenVerifier({ secret: DEVELOPMENT_SECRETS.jwtSecret, ...settings.authentication }),
      signingSecret: SIGNING,
      settings,
    },
    ...(deduplication ? { deduplication } : {}),
  });
};

async function post(
  url: string,
  body: unknown,
  token?: string,
  accept = "application/json",
  headers: Record<string, string> = {},
) {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as { data?: Record<string, unknown>; extensions?: Record<string, unknown> },
  };
}

/** The router's counter `name` (summed over its series), read from /metrics. */
async function counter(graph: Graph, name: string): Promise<number> {
  const text = await (await fetch(`${graph.origin}/metrics`)).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith(name))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

let graph: Graph | undefined;
afterEach(async () => {
  await graph?.[Symbol.asyncDispose]();
  graph = undefined;
});

async function slowGraph(deduplication?: DeduplicationSettings): Promise<Graph> {
  graph = await startGraph({ createRouter: router(deduplication), signingSecret: SIGNING, chaos: ["users"] });
  graph.chaosOf("users").delayMs = SUBGRAPH_DELAY_MS;
  return graph;
}

describe("deduplication of identical in-flight client operations", () => {
  it("answers a burst of one caller's identical query with one execution, and never shares between callers", async () => {
    const g = await slowGraph();
    const users = g.chaosOf("users");
    const [ada, grace, admin] = await Promise.all([
      mintToken({ userId: "1" }),
      mintToken({ userId: "2" }),
      mintToken({ userId: "1", scopes: ["admin"] }),
    ]);
    const query = { query: "query Who { whoami }" };
    // The first time a document is seen it runs on its own: the router learns it is a query.
    expect((await post(g.routerUrl, query, ada)).body).toEqual({ data: { whoami: "1" } });
    const before = users.hits;

    // Interleaved: three callers (the same user id with and without a scope is another caller) and anonymous ones.
    const callers = [ada, grace, admin, undefined];
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, i) => {
        const token = callers[i % callers.length];
        return post(g.routerUrl, query, token).then((answer) => ({ token, answer }));
      }),
    );
    const expected = new Map<string | undefined, unknown>([
      [ada, { data: { whoami: "1" } }],
      [grace, { data: { whoami: "2" } }],
      [admin, { data: { whoami: "1 admin" } }],
      [undefined, { data: { whoami: null } }],
    ]);
    for (const { token, answer } of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual(expected.get(token));
    }
    // One execution per caller reached the subgraph; the other 20 requests shared one.
    expect(users.hits - before).toBe(4);
    expect(await counter(g, "router_operations_deduplicated_total")).toBe(20);
  });

  it("shares neither mutations, nor requests with different variables or media types", async () => {
    // Subgraph fetches are not shared here, so that each request that runs is seen at the subgraph.
    const g = await slowGraph({ operations: true, subgraphFetches: false });
    const users = g.chaosOf("users");
    const token = await mintToken({ userId: "1" });
    const named = { query: "query User($id: ID!) { user(id: $id) { name } }", variables: { id: "1" } };
    await post(g.routerUrl, named, token);
    const rename = { query: 'mutation { renameUser(id: "1", name: "Ada L") { name } }' };
    await post(g.routerUrl, rename, token);
    const before = users.hits;
    const answers = await Promise.all([
      post(g.routerUrl, named, token),
      post(g.routerUrl, { ...named, variables: { id: "2" } }, token),
      post(g.routerUrl, named, token, "application/graphql-response+json"),
      // Sandbox's query plan, in this answer only.
      post(g.routerUrl, named, token, "application/json", { "apollo-query-plan-experimental": "1" }),
      post(g.routerUrl, rename, token),
      post(g.routerUrl, rename, token),
    ]);
    expect(answers.map((answer) => answer.body.data)).toEqual([
      { user: { name: "Ada" } },
      { user: { name: "Grace" } },
      { user: { name: "Ada" } },
      { user: { name: "Ada" } },
      { renameUser: { name: "Ada L" } },
      { renameUser: { name: "Ada L" } },
    ]);
    expect(answers[0]?.body.extensions).toBeUndefined();
    expect(answers[3]?.body.extensions).toHaveProperty("__queryPlanExperimental");
    expect(users.hits - before).toBe(6);
    expect(await counter(g, "router_operations_deduplicated_total")).toBe(0);
  });

  it("is off with deduplication.operations: false", async () => {
    const g = await slowGraph({ operations: false, subgraphFetches: false });
    const users = g.chaosOf("users");
    const token = await mintToken({ userId: "1" });
    const query = { query: "{ whoami }" };
    await post(g.routerUrl, query, token);
    const before = users.hits;
    await Promise.all(Array.from({ length: 5 }, () => post(g.routerUrl, query, token)));
    expect(users.hits - before).toBe(5);
  });
});

describe("deduplication of identical in-flight subgraph fetches", () => {
  it("sends one fetch for different operations that need the same subgraph query, per caller", async () => {
    const g = await slowGraph({ operations: false, subgraphFetches: true });
    const users = g.chaosOf("users");
    const [ada, grace] = await Promise.all([mintToken({ userId: "1" }), mintToken({ userId: "2" })]);
    // Different client documents (their names differ), the same subgraph query `{ whoami }`.
    const documents = ["query A { whoami }", "query B { whoami }", "query C { whoami }"];
    const answers = await Promise.all(
      documents.flatMap((query) => [ada, grace].map((token) => post(g.routerUrl, { query }, token))),
    );
    expect(answers.map((answer) => answer.body.data?.whoami)).toEqual(["1", "2", "1", "2", "1", "2"]);
    // The gateway names each subgraph operation after the client's, so these bodies differ: one fetch each.
    expect(users.hits).toBe(6);

    // The same client document with different variables is planned into identical entity fetches
    // only when the same entities are asked for; here: the same document twice per caller.
    const before = users.hits;
    const same = "query D { whoami }";
    const again = await Promise.all([ada, ada, grace, grace].map((token) => post(g.routerUrl, { query: same }, token)));
    expect(again.map((answer) => answer.body.data?.whoami)).toEqual(["1", "1", "2", "2"]);
    expect(users.hits - before).toBe(2);
    expect(await counter(g, "router_subgraph_fetches_deduplicated_total")).toBe(2);
  });
});

describe("router.yaml deduplication", () => {
  it("is on by default, and each switch can be turned off by the file or the environment", () => {
    const path = "/nonexistent/router.yaml";
    expect(readRouterFile(path, false, {}).deduplication).toEqual({ operations: true, subgraphFetches: true });
    expect(
      readRouterFile(path, false, {
        ROUTER_DEDUPLICATION__OPERATIONS: "false",
        ROUTER_DEDUPLICATION__SUBGRAPH_FETCHES: "false",
      }).deduplication,
    ).toEqual({ operations: false, subgraphFetches: false });
    expect(() => readRouterFile(path, false, { ROUTER_DEDUPLICATION__OPERATIONS: "sometimes" })).toThrow(
      /ROUTER_DEDUPLICATION__OPERATIONS/,
    );
  });
});
