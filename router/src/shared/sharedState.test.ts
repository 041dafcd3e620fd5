import { createLogger } from "@supergraph/service-kit";
import {
  configProblems,
  type RedisServer,
  redisServerMissing,
  scratchFiles,
  startRedisServer,
} from "@supergraph/testing";
import { RateLimiterRes } from "rate-limiter-flexible";
import { describe, expect, it } from "vitest";
import { readConfig } from "../config.js";
import { APQ_KEY_PREFIX, APQ_TTL_SECONDS, apqCache } from "./apqCache.js";
import { createRateLimiter, RATE_LIMIT_KEY_PREFIX } from "./rateLimiter.js";
import { connectRedis, type SharedRedis } from "./redis.js";

/**
 * The router's shared state (redis.ts, apqCache.ts, rateLimiter.ts) against a real Redis: each test
 * starts its own `redis-server` on a free port, and two "routers" are two connections to it. Redis
 * goes down by SIGKILL and comes back on the same port; nothing here may throw or hang meanwhile.
 */
const missing = redisServerMissing();
if (missing) console.warn(`sharedState.test.ts skipped: ${missing}. REQUIRE_REDIS=1 makes this an error.`);

const logger = createLogger({ service: "shared-state-test", level: "silent" });

/** Every call answers well within this, Redis up or down (a generous bound, not a speed check). */
const PROMPT_MS = 2000;

async function prompt<T>(work: Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await work;
  expect(Date.now() - started).toBeLessThan(PROMPT_MS);
  return result;
}

/** Waits (bounded) until `redis` reports `state`. */
async function waitForState(redis: SharedRedis, state: SharedRedis["state"], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (redis.state !== state) {
    if (Date.now() > deadline) throw new Error(`redis stayed ${redis.state}, expected ${state} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Two routers' connections to one Redis server, closed with it. */
async function twoRouters(server: RedisServer): Promise<[SharedRedis, SharedRedis] & AsyncDisposable> {
  const connections = [connectRedis({ url: server.url, logger }), connectRedis({ url: server.url, logger })] as const;
  await Promise.all(connections.map((connection) => connection.settled));
  for (const connection of connections) expect(connection.state).toBe("ready");
  return Object.assign([...connections] as [SharedRedis, SharedRedis], {
    [Symbol.asyncDispose]: async () => {
      await Promise.all(connections.map((connection) => connection.close()));
    },
  });
}

/** How many of `count` requests of one client a limiter lets through. */
async function admitted(limiter: ReturnType<typeof createRateLimiter>, client: string, count: number) {
  let passed = 0;
  for (let request = 0; request < count; request++) {
    try {
      await prompt(limiter.consume(client));
      passed++;
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
    }
  }
  return passed;
}

describe("REDIS_URL", () => {
  it("is optional: unset or empty, the router keeps its state in memory", () => {
    expect(readConfig({}).REDIS_URL).toBeUndefined();
    expect(readConfig({ REDIS_URL: " " }).REDIS_URL).toBeUndefined();
  });

  it("takes a redis:// or rediss:// URL, with a password and a database number, or reads it from REDIS_URL_FILE", () => {
    for (const url of ["redis://localhost:6379", "rediss://:s3cret@cache.internal:6380/2", "redis://redis"]) {
      expect(readConfig({ REDIS_URL: url }).REDIS_URL).toBe(url);
    }
    const files = scratchFiles("redis-url");
    try {
      const file = files.file("redis://:from-a-secret@redis:6379\n", "redis-url");
      expect(readConfig({ REDIS_URL_FILE: file }).REDIS_URL).toBe("redis://:from-a-secret@redis:6379");
    } finally {
      files.remove();
    }
  });

  it("refuses anything else at start, naming the variable and never quoting the value", () => {
    for (const bad of ["localhost:6379", "http://redis:6379", "redis://", "redis://:hunter2@redis:6379/db"]) {
      const problems = configProblems(() => readConfig({ REDIS_URL: bad }));
      expect(problems, bad).toEqual([expect.stringMatching(/^REDIS_URL: expected a redis:\/\/ or rediss:\/\/ URL/)]);
      expect(problems.join(""), bad).not.toContain("hunter2");
    }
    expect(configProblems(() => readConfig({ REDIS_URL: "redis://a", REDIS_URL_FILE: "/x" }))).toEqual([
      expect.stringContaining("REDIS_URL and REDIS_URL_FILE"),
    ]);
  });
});

describe.skipIf(missing)("shared state through a real Redis", () => {
  it("connects, reports unavailable when Redis is killed, reconnects by itself when it returns, and closes", async () => {
    await using server = await startRedisServer();
    const redis = connectRedis({ url: server.url, logger });
    try {
      await redis.settled;
      expect(redis.state).toBe("ready");
      expect(await redis.client.ping()).toBe("PONG");

      await server.kill();
      await waitForState(redis, "unavailable", PROMPT_MS);
      // No offline queue: a command while disconnected fails at once instead of waiting for Redis.
      await expect(prompt(redis.client.get("any"))).rejects.toThrow();

      await server.start();
      await waitForState(redis, "ready");
      expect(await redis.client.ping()).toBe("PONG");
    } finally {
      await prompt(redis.close());
    }
    expect(redis.state).toBe("unavailable");
    expect(redis.client.status).toBe("end");
  });

  it("a Redis that hangs (SIGSTOP): a command waits at most its timeout, then the connection is dropped", async () => {
    await using server = await startRedisServer();
    const redis = connectRedis({ url: server.url, logger, commandTimeoutMs: 300, socketTimeoutMs: 600 });
    try {
      await redis.settled;
      expect(redis.state).toBe("ready");
      const pid = server.pid;
      if (pid === undefined) throw new Error("redis-server is not running");
      process.kill(pid, "SIGSTOP"); // it keeps its socket but answers nothing
      await expect(prompt(redis.client.get("any"))).rejects.toThrow(/timed out/);
      await waitForState(redis, "unavailable", PROMPT_MS);
      await expect(prompt(redis.client.get("any"))).rejects.toThrow();
      process.kill(pid, "SIGCONT");
      await waitForState(redis, "ready");
    } finally {
      await redis.close();
    }
  });

  it("starts without Redis: the first attempt settles within its connect timeout, and commands fail fast", async () => {
    await using server = await startRedisServer();
    await server.kill(); // its port is now free: nothing answers there
    const redis = connectRedis({ url: server.url, logger });
    try {
      await prompt(redis.settled);
      expect(redis.state).toBe("unavailable");
      await expect(prompt(redis.client.set("key", "value"))).rejects.toThrow();

      await server.start();
      await waitForState(redis, "ready");
    } finally {
      await redis.close();
    }
  });

  it("APQ: a query registered on one router is found by hash on another; memory serves while Redis is down", async () => {
    await using server = await startRedisServer();
    await using routers = await twoRouters(server);
    const [a, b] = routers.map((redis) => apqCache({ redis, logger }));
    if (!a || !b) throw new Error("two caches expected");

    await a.set("apq:hash1", "{ one }");
    expect(await b.get("apq:hash1")).toBe("{ one }");
    expect(await b.get("apq:unknown")).toBeUndefined();
    // In Redis under the router's prefix, expiring after the default TTL.
    const ttl = await routers[0].client.ttl(`${APQ_KEY_PREFIX}apq:hash1`);
    expect(ttl).toBeGreaterThan(APQ_TTL_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(APQ_TTL_SECONDS);

    await server.kill();
    await Promise.all(routers.map((redis) => waitForState(redis, "unavailable", PROMPT_MS)));
    // Both routers have the query in memory now (B fetched it from Redis): still served.
    expect(await prompt(a.get("apq:hash1"))).toBe("{ one }");
    expect(await prompt(b.get("apq:hash1"))).toBe("{ one }");
    // A registration while Redis is down stays on the router that took it; nothing throws.
    await prompt(a.set("apq:hash2", "{ two }"));
    expect(await prompt(a.get("apq:hash2"))).toBe("{ two }");
    expect(await prompt(b.get("apq:hash2"))).toBeUndefined();

    await server.start(); // empty: nothing was persisted
    await Promise.all(routers.map((redis) => waitForState(redis, "ready")));
    await a.set("apq:hash3", "{ three }");
    expect(await b.get("apq:hash3")).toBe("{ three }");
  });

  it("rate limits: one client's limit holds across two routers on one Redis; per router in memory while it is down", async () => {
    await using server = await startRedisServer();
    await using routers = await twoRouters(server);
    const rate = { enabled: true, requests: 4, windowSeconds: 60 };
    const [a, b] = routers.map((redis) => createRateLimiter(rate, redis));
    if (!a || !b) throw new Error("two limiters expected");

    expect(await admitted(a, "address:10.0.0.1", 2)).toBe(2);
    expect(await admitted(b, "address:10.0.0.1", 2)).toBe(2);
    expect(await admitted(a, "address:10.0.0.1", 1)).toBe(0);
    const refusal = await b.consume("address:10.0.0.1").catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(RateLimiterRes);
    expect((refusal as RateLimiterRes).msBeforeNext).toBeGreaterThan(0);
    // Another client has its own count, and the counters are in Redis under the router's prefix.
    expect(await admitted(b, "address:10.0.0.2", 1)).toBe(1);
    expect(await routers[0].client.get(`${RATE_LIMIT_KEY_PREFIX}:address:10.0.0.1`)).toBe("6");

    // Without Redis (what the same test proves false): each router counts on its own.
    const [memoryA, memoryB] = [createRateLimiter(rate), createRateLimiter(rate)];
    expect((await admitted(memoryA, "address:10.0.0.1", 4)) + (await admitted(memoryB, "address:10.0.0.1", 4))).toBe(8);

    await server.kill();
    await Promise.all(routers.map((redis) => waitForState(redis, "unavailable", PROMPT_MS)));
    // Down: the in-memory fallbacks count per router, at the same rate; every answer is prompt.
    expect(await admitted(a, "address:10.0.0.3", 5)).toBe(4);
    expect(await admitted(b, "address:10.0.0.3", 5)).toBe(4);

    await server.start();
    await Promise.all(routers.map((redis) => waitForState(redis, "ready")));
    expect(await admitted(a, "address:10.0.0.4", 3)).toBe(3);
    expect(await admitted(b, "address:10.0.0.4", 3)).toBe(1);
  });
});
