import { createHash } from "node:crypto";
import {
  bearer,
  type GraphQLResponse,
  type Readiness,
  type RedisServer,
  readiness,
  redisServerMissing,
  type System,
  scrapeMetrics,
  startRedisServer,
  startSystem,
} from "@supergraph/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Router replicas sharing their state through Redis, with real processes: users, products and two
 * routers (`router`, `router-2`) on one `redis-server` of the test's own (a free port, no
 * persistence), then the same without REDIS_URL, where each router keeps its own. A small rate limit
 * (10 requests a minute per client) makes sharing visible; each check uses a signed-in caller of its
 * own, so its count starts at 0. Redis is SIGKILLed mid-test and restarted on the same port.
 */
const missing = redisServerMissing();
if (missing) console.warn(`sharedState.e2e.ts skipped: ${missing}. REQUIRE_REDIS=1 makes this an error.`);

const LIMIT = 10;
const RATE_ENV = { ROUTER_RATE_LIMIT__REQUESTS: String(LIMIT), ROUTER_RATE_LIMIT__WINDOW_SECONDS: "60" };
/** Every request is answered within this, Redis up or down: nothing hangs (a bound, not a speed check). */
const ANSWER_WITHIN_MS = 2000;
/** How long a router may take to notice Redis left or returned (it reconnects with a backoff of at most 2 s). */
const NOTICED_WITHIN_MS = 10_000;
const WARNING = "redis unavailable: rate limits and APQ per router until it returns";

interface Answer {
  status: number;
  retryAfter: string | null;
  body: GraphQLResponse;
}

/** POSTs a GraphQL body to one router instance; it must answer within ANSWER_WITHIN_MS. */
async function post(origin: string, body: Record<string, unknown>, headers: Record<string, string>): Promise<Answer> {
  const response = await fetch(`${origin}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    body: (await response.json()) as GraphQLResponse,
  };
}

const QUERY = "query SharedStateProbe { products(first: 1) { nodes { name } } }";
const ONE_PRODUCT = { products: { nodes: [{ name: "Product A" }] } };

let callers = 0;
/** A signed-in caller of its own (a fresh user id): its rate-limit count starts at 0. */
const newCaller = () => bearer(String(90_000 + ++callers));

/** Sends `count` queries as `caller` to one router instance; their statuses. */
async function spend(origin: string, caller: Record<string, string>, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let request = 0; request < count; request++)
    statuses.push((await post(origin, { query: QUERY }, caller)).status);
  return statuses;
}

const ok = (count: number) => Array.from({ length: count }, () => 200);

/** An APQ request: the hash alone, or (registration) the hash with its text. */
const apq = (text: string, withText: boolean) => ({
  ...(withText ? { query: text } : {}),
  extensions: { persistedQuery: { version: 1, sha256Hash: createHash("sha256").update(text).digest("hex") } },
});

const codes = (answer: Answer) => answer.body.errors?.map((error) => error.extensions?.code);

/** A router's /ready: 200 while it serves, whatever its shared state. */
async function sharedState(system: System, instance: string): Promise<Pick<Readiness, "degraded" | "sharedState">> {
  const { status, body } = await readiness(system.url(instance));
  expect(status, `${instance} /ready`).toBe(200);
  return { degraded: body.degraded, sharedState: body.sharedState };
}

const occurrences = (text: string, part: string) => text.split(part).length - 1;

/** `router_redis_up` of one router instance; undefined when it has no such gauge (no REDIS_URL). */
async function redisUp(system: System, instance: string): Promise<number | undefined> {
  const scrape = await scrapeMetrics(`${system.url(instance)}/metrics`);
  return scrape.has("router_redis_up") ? scrape.value("router_redis_up") : undefined;
}

describe.skipIf(missing)("two routers on one Redis (real processes)", () => {
  let redis: RedisServer;
  let system: System;
  beforeAll(async () => {
    redis = await startRedisServer();
    system = await startSystem({ routers: 2, env: { router: { ...RATE_ENV, REDIS_URL: redis.url } } });
  });
  afterAll(async () => {
    await system?.shutdown();
    await redis?.stop();
  });
  const a = () => system.url("router");
  const b = () => system.url("router-2");

  it("both say in /ready that their state is in Redis, not degraded", async () => {
    for (const instance of ["router", "router-2"]) {
      expect(await sharedState(system, instance)).toEqual({
        degraded: false,
        sharedState: { store: "redis", redis: "ready" },
      });
    }
    expect(await redisUp(system, "router")).toBe(1);
    await expect
      .poll(() => system.logs("router"), { timeout: 5000 })
      .toContain("redis connected: rate limits and APQ shared");
  });

  it("one client's rate limit holds across both: 6 on one and 4 on the other pass, the next on either is 429", async () => {
    const caller = await newCaller();
    expect(await spend(a(), caller, 6)).toEqual(ok(6));
    expect(await spend(b(), caller, 4)).toEqual(ok(4));
    for (const origin of [a(), b()]) {
      const refused = await post(origin, { query: QUERY }, caller);
      expect(refused.status).toBe(429);
      expect(codes(refused)).toEqual(["RATE_LIMITED"]);
      expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    // Another client still has its whole rate.
    expect(await spend(b(), await newCaller(), 1)).toEqual(ok(1));
  });

  it("a query registered by APQ on one router is found by its hash alone on the other", async () => {
    const caller = await newCaller();
    const text = "query SharedApq { products(first: 1) { nodes { name } } }";
    expect(codes(await post(b(), apq(text, false), caller))).toEqual(["PERSISTED_QUERY_NOT_FOUND"]);
    expect((await post(a(), apq(text, true), caller)).body).toEqual({ data: ONE_PRODUCT });
    expect((await post(b(), apq(text, false), caller)).body).toEqual({ data: ONE_PRODUCT });
  });

  it("Redis killed: both keep serving from memory, say so in /ready and once in their log; restarted: shared again", async () => {
    // Registered on one router, fetched by hash on the other: both hold it in memory from now on.
    const registered = "query BeforeOutage { products(first: 1) { nodes { name } } }";
    const first = await newCaller();
    expect((await post(a(), apq(registered, true), first)).body).toEqual({ data: ONE_PRODUCT });
    expect((await post(b(), apq(registered, false), first)).body).toEqual({ data: ONE_PRODUCT });
    await redis.kill(); // SIGKILL: connections drop at once

    for (const instance of ["router", "router-2"]) {
      await expect
        .poll(async () => sharedState(system, instance), { timeout: NOTICED_WITHIN_MS })
        .toEqual({ degraded: true, sharedState: { store: "memory", redis: "unavailable" } });
      expect(await redisUp(system, instance)).toBe(0);
    }
    // Queries and persisted queries keep working, each answered within ANSWER_WITHIN_MS (post's bound).
    for (let round = 0; round < 5; round++) {
      for (const origin of [a(), b()]) {
        const caller = await newCaller();
        expect((await post(origin, { query: QUERY }, caller)).body).toEqual({ data: ONE_PRODUCT });
        // Both routers hold the query registered before the outage in memory.
        expect((await post(origin, apq(registered, false), caller)).body).toEqual({ data: ONE_PRODUCT });
      }
    }
    // A new registration works on the router that takes it.
    const caller = await newCaller();
    const text = "query DuringOutage { products(first: 1) { nodes { name } } }";
    expect((await post(a(), apq(text, true), caller)).body).toEqual({ data: ONE_PRODUCT });
    expect((await post(a(), apq(text, false), caller)).body).toEqual({ data: ONE_PRODUCT });
    // Rate limits hold per router meanwhile: the in-memory fallback counts at the same rate.
    const limited = await newCaller();
    expect(await spend(a(), limited, LIMIT)).toEqual(ok(LIMIT));
    expect(await spend(b(), limited, LIMIT)).toEqual(ok(LIMIT));
    expect(await spend(a(), limited, 1)).toEqual([429]);

    // Several reconnection attempts fail meanwhile (backoff 0.1, 0.2, 0.4 ... s): still one warning each.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    for (const instance of ["router", "router-2"]) {
      await expect.poll(() => occurrences(system.logs(instance), WARNING), { timeout: 5000 }).toBe(1);
    }

    await redis.start(); // same port, empty
    for (const instance of ["router", "router-2"]) {
      await expect
        .poll(async () => sharedState(system, instance), { timeout: NOTICED_WITHIN_MS })
        .toEqual({ degraded: false, sharedState: { store: "redis", redis: "ready" } });
      expect(await redisUp(system, instance)).toBe(1);
      await expect
        .poll(() => system.logs(instance), { timeout: 5000 })
        .toContain("redis is back: rate limits and APQ shared again");
      expect(occurrences(system.logs(instance), WARNING)).toBe(1);
    }
    const shared = await newCaller();
    expect(await spend(a(), shared, 6)).toEqual(ok(6));
    expect(await spend(b(), shared, 4)).toEqual(ok(4));
    expect(await spend(b(), shared, 1)).toEqual([429]);
  });
});

describe.skipIf(missing)("two routers without REDIS_URL (real processes): each keeps its own state", () => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem({ routers: 2, env: { router: RATE_ENV } });
  });
  afterAll(async () => {
    await system?.shutdown();
  });
  const a = () => system.url("router");
  const b = () => system.url("router-2");

  it("/ready says memory, Redis off, not degraded", async () => {
    for (const instance of ["router", "router-2"]) {
      expect(await sharedState(system, instance)).toEqual({
        degraded: false,
        sharedState: { store: "memory", redis: "off" },
      });
      expect(await redisUp(system, instance)).toBeUndefined();
    }
  });

  it("each router counts a client's rate on its own: 10 pass on each, the 11th on one is 429", async () => {
    const caller = await newCaller();
    expect(await spend(a(), caller, LIMIT)).toEqual(ok(LIMIT));
    expect(await spend(b(), caller, LIMIT)).toEqual(ok(LIMIT));
    expect(await spend(a(), caller, 1)).toEqual([429]);
  });

  it("a query registered by APQ on one router is unknown to the other", async () => {
    const caller = await newCaller();
    const text = "query LocalApq { products(first: 1) { nodes { name } } }";
    expect((await post(a(), apq(text, true), caller)).body).toEqual({ data: ONE_PRODUCT });
    expect((await post(a(), apq(text, false), caller)).body).toEqual({ data: ONE_PRODUCT });
    expect(codes(await post(b(), apq(text, false), caller))).toEqual(["PERSISTED_QUERY_NOT_FOUND"]);
  });
});
