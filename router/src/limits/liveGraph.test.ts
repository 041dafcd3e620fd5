import { ErrorCode } from "@supergraph/error-codes";
import { type Graph, type GraphQLResponse, postGraphQL, startGraph } from "@supergraph/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer } from "../server.js";

/** POSTs a document; the HTTP status and the body, whatever the status. */
async function send(url: string, query: string): Promise<{ status: number; body: GraphQLResponse }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: (await response.json()) as GraphQLResponse };
}
const codes = (sent: { body: GraphQLResponse }) => (sent.body.errors ?? []).map((error) => error.extensions?.code);

describe("operation limits over the in-process graph (live subgraphs)", () => {
  let graph: Graph;
  beforeAll(async () => {
    graph = await startGraph({
      // Each well-behaved query below must reach the subgraphs: none shares another's execution.
      createRouter: (inputs) =>
        createServer({ ...inputs, deduplication: { operations: false, subgraphFetches: false } }),
      chaos: ["users", "products"],
    });
  });
  afterAll(() => graph?.close());
  const hits = () => graph.chaosOf("users").hits + graph.chaosOf("products").hits;
  const WELL_BEHAVED = "{ products { title createdBy { name } } }";
  const EXPECTED = {
    data: {
      products: [
        { title: "Lamp", createdBy: { name: "Ada" } },
        { title: "Desk", createdBy: { name: "Grace" } },
      ],
    },
  };

  it("refuses a fragment bomb before planning it, calling no subgraph", async () => {
    const fragments = ["fragment F0 on User { name products { title } }"];
    for (let i = 1; i <= 24; i++) {
      fragments.push(
        `fragment F${i} on User { a: products { createdBy { ...F${i - 1} } } b: products { createdBy { ...F${i - 1} } } }`,
      );
    }
    const sent = await send(graph.routerUrl, `{ user(id: "1") { ...F24 } } ${fragments.join(" ")}`);
    expect(sent.status).toBe(400);
    expect(codes(sent)).toEqual([ErrorCode.QUERY_TOO_DEEP, ErrorCode.TOO_MANY_ALIASES]);
    expect(hits()).toBe(0);
  });

  it("still answers a well-behaved query while a flood of refused requests comes in", async () => {
    const baseline = hits();
    expect(await postGraphQL(graph.routerUrl, WELL_BEHAVED)).toEqual(EXPECTED);
    const perQuery = hits() - baseline;
    expect(perQuery).toBeGreaterThan(0);

    const flood = `{ ${Array.from({ length: 2_000 }, (_, i) => `u${i}: user(id: "1") { name }`).join(" ")} }`;
    const refusedCodes = new Set<unknown>();
    let refused = 0;
    const worker = async () => {
      for (let i = 0; i < 15; i++) {
        const sent = await send(graph.routerUrl, flood);
        refused++;
        for (const code of codes(sent)) refusedCodes.add(code);
      }
    };
    const flooding = Promise.all(Array.from({ length: 16 }, worker));
    // Sent while the flood is going on: it completes, with its data (a generous 10 s bound, not a timing claim).
    const answers = await Promise.all(
      [50, 150, 300].map(
        (delay) =>
          new Promise((resolve, reject) =>
            setTimeout(
              () => postGraphQL(graph.routerUrl, WELL_BEHAVED, { timeoutMs: 10_000 }).then(resolve, reject),
              delay,
            ),
          ),
      ),
    );
    await flooding;
    expect(answers).toEqual([EXPECTED, EXPECTED, EXPECTED]);
    expect(refused).toBe(16 * 15);
    expect([...refusedCodes]).toEqual([ErrorCode.TOO_MANY_TOKENS]);
    // Only the well-behaved queries reached the subgraphs.
    expect(hits() - baseline).toBe(4 * perQuery);
  });
});

describe("operation limits in production", () => {
  let production: Graph;
  let development: Graph;
  beforeAll(async () => {
    [production, development] = await Promise.all([
      startGraph({ createRouter: (inputs) => createServer({ ...inputs, production: true }) }),
      startGraph({ createRouter: createServer }),
    ]);
  });
  afterAll(() => Promise.all([production?.close(), development?.close()]));

  it("suggests no field names in validation errors (development does)", async () => {
    const typo = "{ prodcts { title } }";
    const [prod, dev] = await Promise.all([send(production.routerUrl, typo), send(development.routerUrl, typo)]);
    expect(prod.body.errors).toHaveLength(1);
    expect(prod.body.errors?.[0]).toMatchObject({
      message: 'Cannot query field "prodcts" on type "Query".',
      extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED },
    });
    expect(dev.body.errors?.[0]?.message).toMatch(/Did you mean "products"/);
  });

  it("keeps the limits' codes and messages", async () => {
    // products > createdBy > products > ... > title: 15 levels.
    const deep = `{ ${"products { createdBy { ".repeat(7)}name${" } }".repeat(7)} }`;
    const sent = await send(production.routerUrl, deep);
    expect(sent.status).toBe(400);
    expect(sent.body.errors).toEqual([
      { message: "Query depth limit of 10 exceeded, found 15.", extensions: { code: ErrorCode.QUERY_TOO_DEEP } },
    ]);
  });
});
