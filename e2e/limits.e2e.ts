import { ErrorCode } from "@supergraph/error-codes";
import {
  bearer,
  type GraphQLExchange,
  type Sample,
  type System,
  sendGraphQL,
  startSystem,
  startTraffic,
  timed,
  wrongAnswers,
} from "@supergraph/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Each of the router's limits hit over real HTTP, each answered with its own code, while other
 * clients keep getting their answers promptly: the six operation limits at their defaults, and
 * the per-client rate limit, lowered for this file (RATE requests per minute) so a test reaches it.
 * Seed data: Product A (101), created by Alice.
 */
const RATE = 300;

let system: System;
/** A signed-in client (Bob) querying all through the file, never near its own rate. */
let background: ReturnType<typeof startTraffic>;

const GOOD_QUERY = '{ product(id: "101") { name price createdBy { name } } }';
const GOOD_ANSWER = { data: { product: { name: "Product A", price: "19.99", createdBy: { name: "Alice" } } } };
/** Well within "promptly" for a query the router answers in milliseconds; a stall shows as 10 s (the timeout). */
const PROMPT_MS = 5000;

beforeAll(async () => {
  system = await startSystem({
    env: { router: { ROUTER_RATE_LIMIT__REQUESTS: String(RATE), ROUTER_RATE_LIMIT__WINDOW_SECONDS: "60" } },
  });
  background = startTraffic(system.routerUrl, GOOD_QUERY, {
    concurrency: 2,
    pauseMs: 20,
    maxRequests: RATE - 50,
    maxMs: 120_000,
    headers: await bearer("2"),
  });
});
afterAll(async () => {
  await background?.stop();
  await system?.shutdown();
});

const codes = (exchange: GraphQLExchange) => (exchange.body.errors ?? []).map((error) => error.extensions?.code);

/** Anonymous requests sent so far: they all spend the test's address's rate. */
let anonymous = 0;
const abuse = (query: string) => {
  anonymous++;
  return sendGraphQL(system.routerUrl, query, { timeoutMs: 10_000 });
};

/** Alice's well-behaved query, sent `delays` ms after the flood starts: each answer and how long it took. */
const goodDuring = async (delays: number[]) => {
  const headers = await bearer("1");
  return Promise.all(
    delays.map(
      (delay) =>
        new Promise<{ ms: number; result: GraphQLExchange }>((resolve, reject) =>
          setTimeout(
            () =>
              timed(() => sendGraphQL(system.routerUrl, GOOD_QUERY, { headers, timeoutMs: 10_000 })).then(
                resolve,
                reject,
              ),
            delay,
          ),
        ),
    ),
  );
};

/** `products { nodes { createdBy { products ...`, `levels` fields deep, ending on a user's id. */
function productsChain(levels: number): string {
  const steps = ["products", "nodes", "createdBy"];
  let open = "";
  for (let depth = 0; depth < levels - 1; depth++) open += `${steps[depth % 3]} { `;
  return `{ ${open}id${" }".repeat(levels - 1)} }`;
}
const ids = (count: number) => Array.from({ length: count }, (_, i) => `a${i}: id`).join(" ");

/** One document per operation limit, breaking that limit only (at the defaults of router.yaml). */
const OPERATION_LIMITS: [ErrorCode, string][] = [
  [ErrorCode.QUERY_TOO_DEEP, productsChain(12)],
  [ErrorCode.TOO_MANY_ALIASES, `{ products(first: 1) { nodes { ${ids(31)} } } }`],
  [ErrorCode.TOO_MANY_ROOT_FIELDS, `{ ${"products(first: 1) { pageInfo { hasNextPage } } ".repeat(21)}}`],
  [ErrorCode.TOO_MANY_DIRECTIVES, `{ product(id: "101") { ${"id @include(if: true) ".repeat(51)}} }`],
  [ErrorCode.TOO_MANY_TOKENS, `{ product(id: "101") { ${"id ".repeat(2_000)}} }`],
  [
    ErrorCode.QUERY_TOO_COSTLY,
    "{ products(first: 100) { nodes { createdBy { products(first: 100) { nodes { createdBy { products(first: 100) { nodes { id } } } } } } } } }",
  ],
];

describe("each router limit, hit with its code while other clients are served (real processes)", () => {
  it.each(OPERATION_LIMITS)(
    "%s: a flood of 30 is refused with 400 and that code alone; a signed-in client's queries meanwhile are answered",
    async (code, document) => {
      const flood = Promise.all(
        Array.from({ length: 6 }, async () => {
          const answers: GraphQLExchange[] = [];
          for (let i = 0; i < 5; i++) answers.push(await abuse(document));
          return answers;
        }),
      );
      const good = await goodDuring([0, 20, 60]);
      const refused = (await flood).flat();
      expect(refused).toHaveLength(30);
      for (const answer of refused) {
        expect(answer.status).toBe(400);
        expect(answer.body.data).toBeUndefined();
        expect(codes(answer)).toEqual([code]);
      }
      for (const { ms, result } of good) {
        expect(result.body).toEqual(GOOD_ANSWER);
        expect(ms).toBeLessThan(PROMPT_MS);
      }
    },
  );

  it("RATE_LIMITED: past its rate an anonymous client gets 429 with Retry-After; a signed-in client is still answered", async () => {
    let limited: GraphQLExchange | undefined;
    while (!limited && anonymous < 2 * RATE) {
      const batch = await Promise.all(Array.from({ length: 10 }, () => abuse(GOOD_QUERY)));
      limited = batch.find((answer) => answer.status === 429);
      for (const answer of batch) {
        if (answer.status !== 429) expect(answer.body).toEqual(GOOD_ANSWER);
      }
    }
    // The address's rate was spent by the floods above and this loop: at most RATE requests passed.
    expect(limited, `no 429 after ${anonymous} anonymous requests`).toBeDefined();
    expect(anonymous).toBeGreaterThan(RATE);
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(codes(limited as GraphQLExchange)).toEqual([ErrorCode.RATE_LIMITED]);
    // Still limited (the window is a minute); Alice, from the same address, has her own rate.
    const again = await abuse(GOOD_QUERY);
    expect([again.status, codes(again)]).toEqual([429, [ErrorCode.RATE_LIMITED]]);
    for (const { ms, result } of await goodDuring([0, 10, 20])) {
      expect(result.body).toEqual(GOOD_ANSWER);
      expect(ms).toBeLessThan(PROMPT_MS);
    }
  });

  it("the signed-in client querying all along got every answer, each promptly", async () => {
    const samples: Sample[] = await background.stop();
    // How many depends on how long the floods took (this file may run in a second): some, each checked.
    expect(samples.length).toBeGreaterThan(4);
    expect(wrongAnswers(samples, GOOD_ANSWER).slice(0, 3)).toEqual([]);
    expect(Math.max(...samples.map((sample) => sample.ms))).toBeLessThan(PROMPT_MS);
  });
});
