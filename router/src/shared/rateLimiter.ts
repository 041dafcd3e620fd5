import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible";
import type { SecuritySettings } from "../security/settings.js";
import type { SharedRedis } from "./redis.js";

/** Where the counters live in Redis: `<prefix>:user:<id>` or `<prefix>:address:<ip>`. */
export const RATE_LIMIT_KEY_PREFIX = "supergraph:ratelimit";

/**
 * The rate limiter of the router's door (see admission.ts): `requests` per client per window.
 * Without `redis`, the counters are in this router's memory, as they always were. With it, every
 * replica counts in the same Redis keys, so a client's limit holds across them all; while Redis is
 * not ready (checked before each command, so no request waits for a dead connection) or when a
 * command fails, the counting falls back to an in-memory limiter with the same rate, per router,
 * until Redis is back.
 */
export function createRateLimiter(
  { requests, windowSeconds }: SecuritySettings["rateLimit"],
  redis?: SharedRedis,
): RateLimiterAbstract {
  const rate = { points: requests, duration: windowSeconds };
  if (!redis) return new RateLimiterMemory(rate);
  return new RateLimiterRedis({
    ...rate,
    storeClient: redis.client,
    keyPrefix: RATE_LIMIT_KEY_PREFIX,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory(rate),
  });
}
