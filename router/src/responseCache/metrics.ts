import type { ServiceMetrics } from "@supergraph/service-kit";
import type { EvictionReason } from "./store.js";

/** Lookups in a cache: served from it, or not. */
export type LookupResult = "hit" | "miss";

/** The response cache's series in the router's `/metrics`. */
export interface ResponseCacheMetrics {
  /** A query looked up in the response cache. */
  responseLookup(result: LookupResult): void;
  /** A response stored in the response cache. */
  responseStored(): void;
  /** Entries that left the response cache, and why. */
  responsesEvicted(reason: EvictionReason, count: number): void;
  /** Reads the response cache's entries and bytes whenever `/metrics` is scraped. */
  watch(store: () => { size: number; bytes: number }): void;
}

const EVICTION_REASONS: readonly EvictionReason[] = ["mutation", "expired", "capacity", "schema"];

/**
 * Registers the response cache's series in `service`: `router_response_cache_lookups_total`,
 * `_stores_total`, `_evictions_total`, and the `_entries` and `_bytes` gauges. Every label value
 * starts at 0, so a rate over them is defined before the first event.
 */
export function responseCacheMetrics(service: ServiceMetrics): ResponseCacheMetrics {
  const lookups = service.counter({
    name: "router_response_cache_lookups_total",
    help: "Queries looked up in the response cache (responseCache.enabled): hit (served from it, no subgraph called) or miss.",
    labelNames: ["result"],
  });
  const lookupSeries = { hit: lookups.labels("hit"), miss: lookups.labels("miss") };
  lookupSeries.hit.inc(0);
  lookupSeries.miss.inc(0);
  const stores = service.counter({
    name: "router_response_cache_stores_total",
    help: "Responses stored in the response cache (a hinted query answered without errors).",
  });
  const evictions = service.counter({
    name: "router_response_cache_evictions_total",
    help: "Entries that left the response cache, by reason: mutation (a mutation returned one of their types), expired (TTL), capacity (maxEntries or maxBytes), schema (a new supergraph).",
    labelNames: ["reason"],
  });
  for (const reason of EVICTION_REASONS) evictions.labels(reason).inc(0);
  let read: (() => { size: number; bytes: number }) | undefined;
  service.gauge({
    name: "router_response_cache_entries",
    help: "Responses in the response cache (expired ones until they are looked up or pushed out).",
    collect() {
      this.set(read?.().size ?? 0);
    },
  });
  service.gauge({
    name: "router_response_cache_bytes",
    help: "Bytes in the response cache: the sum of its responses' JSON lengths.",
    collect() {
      this.set(read?.().bytes ?? 0);
    },
  });
  return {
    responseLookup: (result) => lookupSeries[result].inc(),
    responseStored: () => stores.inc(),
    responsesEvicted: (reason, count) => evictions.labels(reason).inc(count),
    watch: (source) => {
      read = source;
    },
  };
}
