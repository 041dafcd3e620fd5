import { DURATION_BUCKETS, type HistogramChild, ServiceMetrics } from "@supergraph/service-kit";
import type { SignatureRefusal } from "./signatureCheck.js";
import { wrapStoreMethods } from "./wrapStoreMethods.js";

/** Every reason the signature check refuses a request for: each counted from 0. */
const SIGNATURE_REFUSALS: readonly SignatureRefusal[] = [
  "unsigned",
  "malformed",
  "expired",
  "mismatch",
  "replay",
  "method",
];

/** Keys per batched store call: one DataLoader batch (at most 500, the loaders' largest). */
const BATCH_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500];

/** A subgraph's metrics: the kit's request metrics, its store's calls and batches, and its signature refusals. */
export interface SubgraphMetrics {
  /** For createService's `metrics`. */
  service: ServiceMetrics;
  /**
   * The store as the resolvers should get it: every call of one of its methods that returns a
   * promise is timed (`subgraph_store_query_duration_seconds`, by method and outcome), and one whose
   * first argument is a list of keys (a loader's batch: `findByIds`, `pagesByCreators`, ...) has the
   * list's length observed (`subgraph_entity_batch_size`, by the store's entity type and method).
   */
  observeStore<TStore extends object>(store: TStore): TStore;
  /** For signatureCheck's `onRefused`. */
  signatureRefused(reason: SignatureRefusal): void;
}

/** The store's entity type: an EntityStore's `entityName`, else `unknown`. */
function entityOf(store: object): string {
  const name = (store as { entityName?: unknown }).entityName;
  return typeof name === "string" && name !== "" ? name : "unknown";
}

const isPromise = (value: unknown): value is Promise<unknown> =>
  typeof (value as { then?: unknown } | null)?.then === "function";

/** Builds a subgraph's metrics (see README, Metrics). */
export function subgraphMetrics(): SubgraphMetrics {
  const service = new ServiceMetrics();
  const queryDuration = service.histogram({
    name: "subgraph_store_query_duration_seconds",
    help: "Time one store call took (its database queries included), by store method and outcome (ok, error).",
    labelNames: ["method", "outcome"],
    buckets: [...DURATION_BUCKETS],
  });
  const batchSize = service.histogram({
    name: "subgraph_entity_batch_size",
    help: "Keys in one batched store call (one DataLoader batch: entity references, lookups by id, pages by owner), by entity type and store method.",
    labelNames: ["entity", "method"],
    buckets: BATCH_BUCKETS,
  });
  const refusals = service.counter({
    name: "subgraph_signature_rejections_total",
    help: "GraphQL requests refused for want of a valid router signature, by reason (unsigned, malformed, expired, mismatch, replay, method).",
    labelNames: ["reason"],
  });
  const refusalSeries = new Map(SIGNATURE_REFUSALS.map((reason) => [reason, refusals.labels(reason)]));
  for (const series of refusalSeries.values()) series.inc(0);

  /** A store method, timed, its batches measured; called on the store itself. */
  const observed = (store: object, entity: string, method: string, call: (...args: unknown[]) => unknown) => {
    const ok = queryDuration.labels(method, "ok");
    const failed = queryDuration.labels(method, "error");
    let batch: HistogramChild | undefined;
    return (...args: unknown[]) => {
      const started = performance.now();
      const result = call.apply(store, args);
      if (!isPromise(result)) return result;
      const keys = args[0];
      if (Array.isArray(keys)) {
        batch ??= batchSize.labels(entity, method);
        batch.observe(keys.length);
      }
      return result.then(
        (value) => {
          ok.observe((performance.now() - started) / 1000);
          return value;
        },
        (error: unknown) => {
          failed.observe((performance.now() - started) / 1000);
          throw error;
        },
      );
    };
  };

  return {
    service,
    observeStore<TStore extends object>(store: TStore): TStore {
      const entity = entityOf(store);
      return wrapStoreMethods(store, (target, method, call) => observed(target, entity, method, call));
    },
    signatureRefused: (reason) => refusalSeries.get(reason)?.inc(),
  };
}
