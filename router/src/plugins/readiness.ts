import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import type { Route } from "@supergraph/service-kit";
import type { UpstreamRegistry } from "../fault/registry.js";
import type { SubgraphStatus } from "../fault/upstream.js";
import type { SharedRedis } from "../shared/redis.js";
import type { SupergraphState } from "../watchSupergraph.js";

export interface ReadinessOptions {
  registry: UpstreamRegistry;
  /** The served supergraph; null until the gateway has loaded one. */
  supergraph: () => SupergraphState | null;
  /** The Redis that router replicas share state through (REDIS_URL). Default: none (state in memory). */
  redis?: SharedRedis;
}

/** Where the rate-limit counters and the persisted queries (APQ) are kept right now. */
export interface SharedStateReport {
  /** redis: shared by every router replica; memory: this router's own (no Redis, or Redis unavailable). */
  store: "redis" | "memory";
  /** The Redis connection: `off` without REDIS_URL. */
  redis: "ready" | "unavailable" | "off";
}

/** The body of `GET /ready`. */
export interface ReadinessReport {
  /** ready: a supergraph is loaded and the router serves; not_ready: starting or shutting down (503). */
  status: "ready" | "not_ready";
  /**
   * True when any replica of any subgraph is unreachable or its circuit is not closed, or when the
   * Redis of REDIS_URL is unavailable.
   */
  degraded: boolean;
  supergraph: SupergraphState | null;
  subgraphs: Record<string, SubgraphStatus>;
  sharedState: SharedStateReport;
}

/**
 * Readiness: `GET /ready` answers 200 while the router can serve (a supergraph is loaded and it
 * is not shutting down), even when subgraphs are down: a failing subgraph must not take every
 * router out of a load balancer's rotation, since the router still serves partial results.
 * The body lists each subgraph and replica with its reachability and circuit state, and
 * `degraded: true` when any of them is down. `sharedState` says where rate limits and persisted
 * queries are kept: in Redis, or in memory (no REDIS_URL, or Redis unavailable: then `degraded` too,
 * and still 200, since the router serves with its in-memory fallbacks). 503 while starting or draining.
 * `GET /health` (the service kit's) stays a pure liveness check.
 */
export function readiness({ registry, supergraph, redis }: ReadinessOptions): {
  plugin: ApolloServerPlugin<BaseContext>;
  route: Route;
} {
  let stopping = false;
  const report = (): ReadinessReport => {
    const served = supergraph();
    const subgraphs = registry.status(served?.subgraphs);
    const redisState = redis?.state ?? "off";
    const sharedState: SharedStateReport = { store: redisState === "ready" ? "redis" : "memory", redis: redisState };
    const degraded =
      sharedState.redis === "unavailable" ||
      Object.values(subgraphs).some(
        (subgraph) =>
          subgraph.status !== "up" ||
          subgraph.replicas.some((replica) => replica.reachable === false || replica.circuit !== "closed"),
      );
    return {
      status: served && !stopping ? "ready" : "not_ready",
      degraded,
      supergraph: served,
      subgraphs,
      sharedState,
    };
  };
  return {
    plugin: {
      async serverWillStart() {
        return {
          // Draining starts the shutdown: from then on, report not ready so balancers stop sending.
          async drainServer() {
            stopping = true;
          },
          async serverWillStop() {
            stopping = true;
          },
        };
      },
    },
    route: {
      path: "/ready",
      handle: () => {
        const body = report();
        return { status: body.status === "ready" ? 200 : 503, json: body };
      },
    },
  };
}
