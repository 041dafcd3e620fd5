import { InMemoryLRUCache, type KeyValueCache, type KeyValueCacheSetOptions } from "@apollo/utils.keyvaluecache";
import type { Logger } from "@supergraph/service-kit";
import type { SharedRedis } from "./redis.js";

/** How long Redis keeps a registered query after its registration. Default of `apqCache`'s `ttlSeconds`. */
export const APQ_TTL_SECONDS = 24 * 60 * 60;

/** Where the queries live in Redis: `<prefix>apq:<sha256>` (Apollo Server adds `apq:`). */
export const APQ_KEY_PREFIX = "supergraph:";

export interface ApqCacheOptions {
  redis: SharedRedis;
  logger: Logger;
  /** Expiry of each query in Redis, unless Apollo Server passes a `ttl` of its own (`null`: none). Default: 24 h. */
  ttlSeconds?: number;
  /** Prefix of every key in Redis. Default: `supergraph:`. */
  prefix?: string;
}

/**
 * The automatic persisted queries' store (Apollo Server's `persistedQueries.cache`), shared by the
 * router replicas through Redis: a query registered (hash and text) on one router is found by its
 * hash alone on any other. In front of Redis sits an in-memory LRU cache (Apollo Server's default
 * store, same size bound): every registered or fetched query is kept there too, and looked up there
 * first. An entry maps a sha256 to the one text that has it, so a copy is never stale, and a query
 * a router has seen costs no Redis round trip. While Redis is unavailable, or when a command fails,
 * the cache is the memory alone, as without Redis: a query registered meanwhile stays on the router
 * that took it (another router answers PERSISTED_QUERY_NOT_FOUND, and the client registers it there,
 * as APQ clients do). It never throws.
 */
export function apqCache({
  redis,
  logger,
  ttlSeconds = APQ_TTL_SECONDS,
  prefix = APQ_KEY_PREFIX,
}: ApqCacheOptions): KeyValueCache<string> {
  const memory = new InMemoryLRUCache<string>();
  const failed = (command: string, key: string) => (error: unknown) => {
    // Debug only: the connection's own log line says once that Redis is unavailable.
    logger.debug({ err: error, key }, `redis ${command} failed; using the in-memory persisted queries`);
    return undefined;
  };
  return {
    async get(key) {
      const local = await memory.get(key);
      if (local !== undefined || !redis.ready) return local;
      const shared = await redis.client.get(prefix + key).catch(failed("GET", key));
      if (shared === null || shared === undefined) return undefined;
      await memory.set(key, shared);
      return shared;
    },
    async set(key, value, options?: KeyValueCacheSetOptions) {
      await memory.set(key, value);
      if (!redis.ready) return;
      const ttl = options?.ttl === undefined ? ttlSeconds : options.ttl;
      const stored =
        ttl === null || ttl <= 0
          ? redis.client.set(prefix + key, value)
          : redis.client.set(prefix + key, value, "EX", Math.ceil(ttl));
      await stored.catch(failed("SET", key));
    },
    async delete(key) {
      await memory.delete(key);
      if (redis.ready) await redis.client.del(prefix + key).catch(failed("DEL", key));
    },
  };
}
