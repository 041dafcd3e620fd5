import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import type { Route } from "@supergraph/service-kit";
import type { UpstreamRegistry } from "../fault/registry.js";
import type { SubgraphStatus } from "../fault/upstream.js";
import type { SupergraphState } from "../watchSupergraph.js";

export interface ReadinessOptions {
  registry: UpstreamRegistry;
  /** The served supergraph; null until the gateway has loaded one. */
  supergraph: () => SupergraphState | null;
}

/** The body of `GET /ready`. */
export interface ReadinessReport {
  /** ready: a supergraph is loaded and the router serves; not_ready: starting or shutting down (503). */
  status: "ready" | "not_ready";
  /** True when any replica of any subgraph is unreachable or its circuit is not closed. */
  degraded: boolean;
  supergraph: SupergraphState | null;
  subgraphs: Record<string, SubgraphStatus>;
}

/**
 * Readiness: `GET /ready` answers 200 while the router can serve (a supergraph is loaded and it
 * is not shutting down), even when subgraphs are down: a failing subgraph must not take every
 * router out of a load balancer's rotation, since the router still serves partial results.
 * The body lists each subgraph and replica with its reachability and circuit state, and
 * `degraded: true` when any of them is down. 503 while starting or draining.
 * `GET /health` (the service kit's) stays a pure liveness check.
 */
export function readiness({ registry, supergraph }: ReadinessOptions): {
  plugin: ApolloServerPlugin<BaseContext>;
  route: Route;
} {
  let stopping = false;
  const report = (): ReadinessReport => {
    const served = supergraph();
    const subgraphs = registry.status(served?.subgraphs);
    const degraded = Object.values(subgraphs).some(
      (subgraph) =>
        subgraph.status !== "up" ||
        subgraph.replicas.some((replica) => replica.reachable === false || replica.circuit !== "closed"),
    );
    return { status: served && !stopping ? "ready" : "not_ready", degraded, supergraph: served, subgraphs };
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
