import { z } from "zod";

/**
 * router.yaml's `responseCache` section: whole responses to queries kept in this router process's
 * memory, as the subgraphs' `@cacheControl` hints allow. Off by default; see router/README.md,
 * "Response cache".
 */
export interface ResponseCacheSettings {
  /** Serve repeated queries from the cache. Default: false. */
  enabled: boolean;
  /** Most responses kept; past it the least recently used go. Default: 10000. */
  maxEntries: number;
  /** Most bytes kept (the responses' JSON length); past it the least recently used go. Default: 64 MiB. */
  maxBytes: number;
  /**
   * Seconds a response without any cache hint is kept: only one the router answers alone (its root
   * selects nothing but `__typename`, `__schema` or `__type`). A subgraph's reply without a hint
   * counts as `max-age=0`, so a response with any subgraph data is never kept without one.
   * Default: 0 (only hinted responses are kept).
   */
  defaultMaxAgeSeconds: number;
}

export const RESPONSE_CACHE_DEFAULTS: ResponseCacheSettings = Object.freeze({
  enabled: false,
  maxEntries: 10_000,
  maxBytes: 64 * 1024 * 1024,
  defaultMaxAgeSeconds: 0,
});

const whole = (min: number, max: number) =>
  z
    .number({ error: "expected a whole number" })
    .int({ error: "expected a whole number" })
    .min(min, { error: `expected ${min} or more` })
    .max(max, { error: `expected at most ${max}` });

export const responseCacheSchema = z.strictObject({
  enabled: z.boolean().optional(),
  maxEntries: whole(1, 10_000_000).optional(),
  maxBytes: whole(1024, 64 * 1024 * 1024 * 1024).optional(),
  defaultMaxAgeSeconds: whole(0, 86_400).optional(),
});

/** The section as read (every key optional), defaults filled in. */
export function resolveResponseCache(section: z.infer<typeof responseCacheSchema> | undefined): ResponseCacheSettings {
  return Object.freeze({ ...RESPONSE_CACHE_DEFAULTS, ...section });
}
