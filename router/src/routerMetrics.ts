import { ErrorCode, isErrorCode, OPERATION_LIMIT_CODES } from "@supergraph/error-codes";
import { type CompletedRequest, DURATION_BUCKETS, OTHER, ServiceMetrics, seriesCache } from "@supergraph/service-kit";
import type { UpstreamObserver } from "./fault/observer.js";
import type { CircuitState } from "./fault/replica.js";
import type { SubgraphStatus } from "./fault/upstream.js";

/** What a refused request is counted as, by its code: the reason's family. */
const REJECTION_KINDS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(OPERATION_LIMIT_CODES.map((code) => [code, "limit"])),
  [ErrorCode.UNAUTHENTICATED]: "auth",
  [ErrorCode.RATE_LIMITED]: "rate_limit",
  [ErrorCode.PERSISTED_QUERY_NOT_LISTED]: "trusted_documents",
  [ErrorCode.PERSISTED_QUERY_NOT_FOUND]: "persisted_query",
  [ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED]: "persisted_query",
  [ErrorCode.BAD_REQUEST]: "bad_request",
  [ErrorCode.PAYLOAD_TOO_LARGE]: "bad_request",
  [ErrorCode.GRAPHQL_PARSE_FAILED]: "bad_request",
  [ErrorCode.GRAPHQL_VALIDATION_FAILED]: "bad_request",
  [ErrorCode.OPERATION_RESOLUTION_FAILURE]: "bad_request",
};

/**
 * The reason a finished GraphQL request was refused before any subgraph ran, or undefined when it
 * was not: its outcome, when that is a refusal code. UNAUTHENTICATED counts only as the router's
 * own refusal (HTTP 401), not as a subgraph's answer that an operation needs a signed-in user.
 */
export function rejectionReason({ outcome, status }: Pick<CompletedRequest, "outcome" | "status">): string | undefined {
  if (!Object.hasOwn(REJECTION_KINDS, outcome)) return undefined;
  if (outcome === ErrorCode.UNAUTHENTICATED && status !== 401) return undefined;
  return outcome;
}

/** The circuit-state gauge's values. */
export const CIRCUIT_VALUES: Readonly<Record<CircuitState, number>> = { closed: 0, halfOpen: 1, open: 2 };

/** A replica's label: its URL without credentials, query or fragment (it names a configured or discovered replica). */
export function replicaLabel(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return OTHER;
  }
}

export interface RouterMetricsOptions {
  /** Operation names known in advance (the trusted documents'): always labelled by name. Default: none. */
  knownOperations?: Iterable<string>;
}

/** The router's metrics: the kit's request metrics, its refusals, and its subgraphs' traffic and health. */
export interface RouterMetrics {
  /** For createService's `metrics`. */
  service: ServiceMetrics;
  /** For UpstreamDeps' `observer`: fetches, tries and retries. */
  observer: UpstreamObserver;
  /** Reads circuit states and reachability from `status` whenever `/metrics` is scraped. */
  watch(status: () => Record<string, SubgraphStatus>): void;
  /** Adds `router_redis_up`, read from `ready` whenever `/metrics` is scraped (only with REDIS_URL). */
  watchRedis(ready: () => boolean): void;
  /** Counts a client request answered with an identical in-flight request's response. */
  operationShared(): void;
  /** Counts a subgraph fetch answered by an identical in-flight fetch to `subgraph`. */
  subgraphFetchShared(subgraph: string): void;
  /** Counts a lookup in the parsed-document cache or the query-plan cache: found (hit) or not (miss). */
  cacheLookup(cache: "document" | "query_plan", hit: boolean): void;
}

/**
 * Builds the router's metrics (see README, Metrics): the kit's (`graphql_requests_total`, ...),
 * `router_rejections_total` by reason, and per subgraph `router_subgraph_fetch_duration_seconds`,
 * `router_subgraph_tries_total`, `router_subgraph_retries_total`, and, read at scrape time,
 * `router_subgraph_circuit_state` and `router_subgraph_replica_reachable`; with a shared Redis,
 * `router_redis_up`.
 */
export function routerMetrics({ knownOperations }: RouterMetricsOptions = {}): RouterMetrics {
  const service = new ServiceMetrics({
    ...(knownOperations ? { knownOperations } : {}),
    // Only called once requests flow, when everything below is in place.
    onGraphQLRequest: (request) => countRejection(request),
  });

  const rejected = service.counter({
    name: "router_rejections_total",
    help: "GraphQL requests the router refused before any subgraph ran, by reason (the code) and kind (limit, auth, rate_limit, trusted_documents, persisted_query, bad_request).",
    labelNames: ["reason", "kind"],
  });
  const rejections = seriesCache((reason, kind) => rejected.labels(reason ?? OTHER, kind ?? OTHER));
  // Every reason from the start at 0, so a rate over it is defined before the first refusal.
  for (const [reason, kind] of Object.entries(REJECTION_KINDS)) rejections(reason, kind).inc(0);
  const countRejection = (request: CompletedRequest) => {
    const reason = rejectionReason(request);
    if (reason !== undefined) rejections(reason, REJECTION_KINDS[reason] ?? OTHER).inc();
  };

  const fetchDuration = service.histogram({
    name: "router_subgraph_fetch_duration_seconds",
    help: "Time the router spent on one subgraph fetch, all its tries included, by subgraph and outcome (ok, or SUBGRAPH_UNAVAILABLE, SUBGRAPH_TIMEOUT, CIRCUIT_OPEN).",
    labelNames: ["subgraph", "outcome"],
    buckets: [...DURATION_BUCKETS],
  });
  const fetchSeries = seriesCache((subgraph, outcome) => fetchDuration.labels(subgraph ?? OTHER, outcome ?? OTHER));
  const tries = service.counter({
    name: "router_subgraph_tries_total",
    help: "Tries sent to subgraph replicas, by subgraph, replica and outcome (ok, failure_status, unreachable, timeout).",
    labelNames: ["subgraph", "replica", "outcome"],
  });
  const replicas = new Map<string, string>();
  const replicaOf = (url: string) => {
    let label = replicas.get(url);
    if (label === undefined) {
      label = replicaLabel(url);
      replicas.set(url, label);
    }
    return label;
  };
  const trySeries = seriesCache((subgraph, replica, outcome) =>
    tries.labels(subgraph ?? OTHER, replica ?? OTHER, outcome ?? OTHER),
  );
  const retries = service.counter({
    name: "router_subgraph_retries_total",
    help: "Failed subgraph tries the router repeated, by subgraph.",
    labelNames: ["subgraph"],
  });
  const retrySeries = seriesCache((subgraph) => retries.labels(subgraph ?? OTHER));

  const sharedOperations = service.counter({
    name: "router_operations_deduplicated_total",
    help: "Client requests answered with the response of an identical in-flight request (same body, caller, Accept and query-plan headers) instead of running (deduplication.operations).",
  });
  const sharedFetches = service.counter({
    name: "router_subgraph_fetches_deduplicated_total",
    help: "Subgraph fetches answered by an identical in-flight fetch (same subgraph, body and caller) instead of a request of their own, by subgraph (deduplication.subgraphFetches).",
    labelNames: ["subgraph"],
  });
  const sharedFetchSeries = seriesCache((subgraph) => sharedFetches.labels(subgraph ?? OTHER));

  const lookups = service.counter({
    name: "router_cache_lookups_total",
    help: "Lookups in the router's parsed-document cache (document) and query-plan cache (query_plan), by result (hit, miss): hits / all is the hit rate.",
    labelNames: ["cache", "result"],
  });
  const lookupSeries = seriesCache((cache, result) => lookups.labels(cache ?? OTHER, result ?? OTHER));
  for (const cache of ["document", "query_plan"])
    for (const result of ["hit", "miss"]) lookupSeries(cache, result).inc(0);

  let status: (() => Record<string, SubgraphStatus>) | undefined;
  service.gauge({
    name: "router_subgraph_circuit_state",
    help: "Each replica's circuit breaker: 0 closed, 1 half-open, 2 open.",
    labelNames: ["subgraph", "replica"],
    // Several workers (server.workers): the worst of their breakers.
    aggregator: "max",
    collect() {
      this.reset();
      for (const [subgraph, { replicas: states }] of Object.entries(status?.() ?? {})) {
        for (const replica of states)
          this.labels(subgraph, replicaOf(replica.url)).set(CIRCUIT_VALUES[replica.circuit]);
      }
    },
  });
  service.gauge({
    name: "router_subgraph_replica_reachable",
    help: "Whether each replica answered its last probe or call: 1 reachable, 0 not (absent until first known).",
    labelNames: ["subgraph", "replica"],
    // Several workers: reachable only if every worker reaches it.
    aggregator: "min",
    collect() {
      this.reset();
      for (const [subgraph, { replicas: states }] of Object.entries(status?.() ?? {})) {
        for (const replica of states) {
          if (replica.reachable !== null) this.labels(subgraph, replicaOf(replica.url)).set(replica.reachable ? 1 : 0);
        }
      }
    },
  });

  return {
    service,
    observer: {
      onFetch: ({ subgraph, durationMs, outcome }) =>
        fetchSeries(subgraph, outcome === "ok" || isErrorCode(outcome) ? outcome : OTHER).observe(durationMs / 1000),
      onTry: ({ subgraph, replica, outcome }) => trySeries(subgraph, replicaOf(replica), outcome).inc(),
      onRetry: ({ subgraph }) => retrySeries(subgraph).inc(),
    },
    watch: (source) => {
      status = source;
    },
    operationShared: () => sharedOperations.inc(),
    subgraphFetchShared: (subgraph) => sharedFetchSeries(subgraph).inc(),
    cacheLookup: (cache, hit) => lookupSeries(cache, hit ? "hit" : "miss").inc(),
    watchRedis: (ready) => {
      service.gauge({
        name: "router_redis_up",
        help: "Whether the Redis the router replicas share state through (REDIS_URL) is connected: 1 up, 0 down (rate limits and APQ then per router).",
        // Several workers: up only if every worker is connected.
        aggregator: "min",
        collect() {
          this.set(ready() ? 1 : 0);
        },
      });
    },
  };
}
