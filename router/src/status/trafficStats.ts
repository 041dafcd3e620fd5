import type { CompletedRequest } from "@supergraph/service-kit";
import type { FetchEvent, TryEvent, UpstreamObserver } from "../fault/observer.js";
import { RollingStats, type RollingStatsOptions } from "./rollingStats.js";

export interface TrafficStatsOptions extends RollingStatsOptions {
  /** The router's GraphQL route: only its requests count as the router's traffic. Default: /graphql. */
  graphqlPath?: string;
}

/**
 * The router's recent traffic for the status page, as rolling statistics: its own GraphQL
 * requests (from the service kit's `onRequestDone`; failed = any outcome but success), each
 * subgraph's fetches (a fetch with its retries; failed = no reply) and each replica's tries
 * (failed = no answer, a timeout, or a 5xx/429), from the fault layer's UpstreamObserver calls.
 * A subgraph or replica idle for longer than the window is forgotten (`prune`).
 */
export class TrafficStats implements UpstreamObserver {
  readonly router: RollingStats;
  private readonly subgraphs = new Map<string, RollingStats>();
  /** By subgraph, then replica URL. */
  private readonly replicas = new Map<string, Map<string, RollingStats>>();
  private readonly options: RollingStatsOptions;
  private readonly graphqlPath: string;

  constructor({ graphqlPath = "/graphql", ...options }: TrafficStatsOptions = {}) {
    this.options = options;
    this.graphqlPath = graphqlPath;
    this.router = new RollingStats(options);
  }

  get windowSeconds(): number {
    return this.router.windowSeconds;
  }

  readonly onTry = (event: TryEvent): void => {
    let replicas = this.replicas.get(event.subgraph);
    if (!replicas) {
      replicas = new Map();
      this.replicas.set(event.subgraph, replicas);
    }
    let stats = replicas.get(event.replica);
    if (!stats) {
      stats = new RollingStats(this.options);
      replicas.set(event.replica, stats);
    }
    stats.record(event.durationMs, event.outcome !== "ok");
  };

  readonly onFetch = (event: FetchEvent): void => {
    let stats = this.subgraphs.get(event.subgraph);
    if (!stats) {
      stats = new RollingStats(this.options);
      this.subgraphs.set(event.subgraph, stats);
    }
    stats.record(event.durationMs, event.outcome !== "ok");
  };

  /** For the service kit's `onRequestDone`: counts the router's public GraphQL requests. */
  readonly onRequestDone = (request: CompletedRequest): void => {
    if (request.internal || request.route !== this.graphqlPath) return;
    this.router.record(request.durationMs, request.outcome !== "success");
  };

  subgraph(name: string): RollingStats | undefined {
    return this.subgraphs.get(name);
  }

  replica(subgraph: string, url: string): RollingStats | undefined {
    return this.replicas.get(subgraph)?.get(url);
  }

  /** Forgets the subgraphs and replicas without a request in the window (e.g. replicas DNS no longer lists). */
  prune(): void {
    const horizon = (this.options.now ?? Date.now)() - this.windowSeconds * 1000;
    const idle = (stats: RollingStats) => (stats.lastRecordedAt ?? Number.NEGATIVE_INFINITY) < horizon;
    for (const [name, stats] of this.subgraphs) if (idle(stats)) this.subgraphs.delete(name);
    for (const [subgraph, replicas] of this.replicas) {
      for (const [url, stats] of replicas) if (idle(stats)) replicas.delete(url);
      if (replicas.size === 0) this.replicas.delete(subgraph);
    }
  }
}
