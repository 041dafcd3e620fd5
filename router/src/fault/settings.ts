import { z } from "zod";

/**
 * Per-subgraph fault-tolerance settings: the `subgraphs.all` and `subgraphs.<name>` sections of
 * router.yaml. Every key is optional; a subgraph gets SUBGRAPH_DEFAULTS, overlaid with `all`,
 * overlaid with its own section. The defaults are documented here and in router/README.md.
 */
export interface SubgraphSettings {
  /**
   * Replica URLs. Default: none, i.e. the subgraph's routing URL from the supergraph.
   * `SUBGRAPH_<NAME>_URL` (one URL or a comma-separated list) overrides it.
   */
  urls: readonly string[] | undefined;
  /**
   * `static`: one replica per URL. `dns`: each URL's host name is resolved to all its addresses
   * (A and AAAA), one replica per address, re-resolved every `dnsRefreshMs`. Default: static.
   */
  discovery: "static" | "dns";
  /** How often `dns` discovery re-resolves host names. Default: 30000 ms. */
  dnsRefreshMs: number;
  /** Deadline of one subgraph fetch, retries included; past it the fetch fails with SUBGRAPH_TIMEOUT. Default: 10000 ms. */
  timeoutMs: number;
  retry: {
    /** Tries per subgraph fetch of a query, the first included; 1 turns retries off. Mutations are always tried once. Default: 3. */
    maxAttempts: number;
    /** Backoff before the first retry (upper bound of its jitter); doubles per retry. Default: 50 ms. */
    initialDelayMs: number;
    /** Largest backoff between two tries. Default: 500 ms. */
    maxDelayMs: number;
    /** A 429/503 `Retry-After` longer than this is not waited for: the fetch fails instead. Default: 2000 ms. */
    maxRetryAfterMs: number;
    /** Time one try may take before it is abandoned and (for a query) retried; 0: only `timeoutMs` applies. Default: 0. */
    perAttemptTimeoutMs: number;
  };
  circuitBreaker: {
    /** Default: true. */
    enabled: boolean;
    /** Calls to a replica within the rolling window before its circuit may open. Default: 5. */
    volumeThreshold: number;
    /** The circuit opens when more than this percentage of calls in the window failed. Default: 50. */
    errorThresholdPercentage: number;
    /** Length of the rolling window of call statistics. Default: 10000 ms. */
    rollingWindowMs: number;
    /** Time an open circuit waits before it half-opens and lets one call through as a probe. Default: 5000 ms. */
    resetTimeoutMs: number;
  };
  healthCheck: {
    /** How often each replica is probed for `/ready` and routing; 0 turns probes off. Default: 5000 ms. */
    intervalMs: number;
    /** Time a probe may take. Default: 1000 ms. */
    timeoutMs: number;
    /**
     * Probe `GET <replica origin><path>` (any 2xx is up), e.g. `/health`. Default: none, i.e.
     * POST `{ __typename }` to the replica's GraphQL URL (works with any subgraph).
     */
    path: string | undefined;
  };
  pool: {
    /** Most keep-alive connections to one replica. Default: 32. */
    connections: number;
    /** How long an idle keep-alive connection is kept. Default: 4000 ms (below Node's 5 s server default). */
    keepAliveTimeoutMs: number;
    /** Time to establish a TCP connection. Default: 2000 ms. */
    connectTimeoutMs: number;
  };
}

export const SUBGRAPH_DEFAULTS: SubgraphSettings = Object.freeze({
  urls: undefined,
  discovery: "static",
  dnsRefreshMs: 30_000,
  timeoutMs: 10_000,
  retry: Object.freeze({
    maxAttempts: 3,
    initialDelayMs: 50,
    maxDelayMs: 500,
    maxRetryAfterMs: 2_000,
    perAttemptTimeoutMs: 0,
  }),
  circuitBreaker: Object.freeze({
    enabled: true,
    volumeThreshold: 5,
    errorThresholdPercentage: 50,
    rollingWindowMs: 10_000,
    resetTimeoutMs: 5_000,
  }),
  healthCheck: Object.freeze({ intervalMs: 5_000, timeoutMs: 1_000, path: undefined }),
  pool: Object.freeze({ connections: 32, keepAliveTimeoutMs: 4_000, connectTimeoutMs: 2_000 }),
});

const ms = (min = 0) =>
  z
    .number({ error: "expected a number of milliseconds" })
    .int({ error: "expected a whole number of milliseconds" })
    .min(min, { error: `expected at least ${min} ms` })
    .max(3_600_000, { error: "expected at most 3600000 ms (one hour)" });
const count = (min: number, max: number) => z.number().int().min(min).max(max);
const httpUrl = z.url({ protocol: /^https?$/, error: "expected an http(s) URL such as http://localhost:4001/graphql" });

/** One subgraph's section (or `all`): every key optional, unknown keys refused. */
export const subgraphSectionSchema = z.strictObject({
  urls: z.array(httpUrl).min(1).optional(),
  discovery: z.enum(["static", "dns"]).optional(),
  dnsRefreshMs: ms(100).optional(),
  timeoutMs: ms(1).optional(),
  retry: z
    .strictObject({
      maxAttempts: count(1, 10).optional(),
      initialDelayMs: ms().optional(),
      maxDelayMs: ms().optional(),
      maxRetryAfterMs: ms().optional(),
      perAttemptTimeoutMs: ms().optional(),
    })
    .optional(),
  circuitBreaker: z
    .strictObject({
      enabled: z.boolean().optional(),
      volumeThreshold: count(1, 10_000).optional(),
      errorThresholdPercentage: count(1, 100).optional(),
      rollingWindowMs: ms(100).optional(),
      resetTimeoutMs: ms(1).optional(),
    })
    .optional(),
  healthCheck: z
    .strictObject({
      intervalMs: ms().optional(),
      timeoutMs: ms(1).optional(),
      path: z.string().startsWith("/", { error: 'expected a path starting with "/", such as /health' }).optional(),
    })
    .optional(),
  pool: z
    .strictObject({
      connections: count(1, 1024).optional(),
      keepAliveTimeoutMs: ms(1).optional(),
      connectTimeoutMs: ms(1).optional(),
    })
    .optional(),
});

export type SubgraphSection = z.infer<typeof subgraphSectionSchema>;

/** The effective settings of one subgraph: defaults, then `all`, then its own section. */
export function resolveSubgraphSettings(
  all: SubgraphSection | undefined,
  own: SubgraphSection | undefined,
  urlOverride?: readonly string[],
): SubgraphSettings {
  const layers = [all ?? {}, own ?? {}];
  const pick = <K extends keyof SubgraphSettings>(key: K) =>
    Object.assign({}, SUBGRAPH_DEFAULTS[key], ...layers.map((layer) => layer[key] ?? {}));
  const last = <K extends "urls" | "discovery" | "dnsRefreshMs" | "timeoutMs">(key: K) =>
    (own?.[key] ?? all?.[key] ?? SUBGRAPH_DEFAULTS[key]) as SubgraphSettings[K];
  return {
    urls: urlOverride ?? last("urls"),
    discovery: last("discovery"),
    dnsRefreshMs: last("dnsRefreshMs"),
    timeoutMs: last("timeoutMs"),
    retry: pick("retry"),
    circuitBreaker: pick("circuitBreaker"),
    healthCheck: pick("healthCheck"),
    pool: pick("pool"),
  };
}
