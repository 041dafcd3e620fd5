import type { CircuitState, ReplicaStatus } from "../fault/replica.js";
import type { SubgraphStatus } from "../fault/upstream.js";
import type { SupergraphState } from "../watchSupergraph.js";
import type { RollingStats } from "./rollingStats.js";
import type { TrafficStats } from "./trafficStats.js";

/** Seconds the request rate, error rate and p95 are computed over: recent enough to follow a failure live. */
export const SUMMARY_SECONDS = 10;

/** A node's recent traffic. */
export interface TrafficSummary {
  /** Requests per second over the last SUMMARY_SECONDS. */
  requestRate: number;
  /** Share of those that failed, 0 to 1. */
  errorRate: number;
  /** 95th percentile latency in ms over the last SUMMARY_SECONDS; null without requests. */
  p95Ms: number | null;
  /** Requests in each second of the window (`windowSeconds`), oldest first. */
  series: number[];
}

/** up: serving; degraded: partly (some replicas, or a half-open circuit); down: not at all; unknown: not yet checked. */
export type Health = "up" | "degraded" | "down" | "unknown";

export interface ReplicaNode {
  url: string;
  health: Health;
  /** Last known reachability (probes and traffic); null before the first probe or call. */
  reachable: boolean | null;
  circuit: CircuitState;
  checkedAt: string | null;
  /** Why its last probe or call failed, when it did. */
  error?: string;
  /** Its tries. */
  traffic: TrafficSummary;
}

export interface SubgraphNode {
  name: string;
  health: Health;
  replicas: ReplicaNode[];
  /** The gateway's fetches from it (a fetch with its retries). */
  traffic: TrafficSummary;
}

/** The body of `GET /status.json` and of each `/status/events` event. */
export interface StatusSnapshot {
  /** When it was taken (ISO 8601). */
  at: string;
  windowSeconds: number;
  summarySeconds: number;
  router: {
    /** up once a supergraph is loaded (unknown before). */
    health: Health;
    /** The served supergraph: its hash, when it was loaded, how many loads since start. */
    supergraph: { sha256: string; loadedAt: string; loads: number } | null;
    /** Its GraphQL requests (failed: any error in the response). */
    traffic: TrafficSummary;
  };
  subgraphs: SubgraphNode[];
}

export interface SnapshotSources {
  stats: TrafficStats;
  /** Subgraph states by name (UpstreamRegistry.status). */
  subgraphs: () => Record<string, SubgraphStatus>;
  /** The served supergraph, or null before the first has loaded. */
  supergraph: () => SupergraphState | null;
  /** The clock (a test seam). Default: Date.now. */
  now?: () => number;
}

function summarize(stats: RollingStats | undefined, windowSeconds: number): TrafficSummary {
  if (!stats) return { requestRate: 0, errorRate: 0, p95Ms: null, series: new Array<number>(windowSeconds).fill(0) };
  const { requestRate, errorRate, p95Ms } = stats.summary(SUMMARY_SECONDS);
  return { requestRate, errorRate, p95Ms, series: stats.series() };
}

/** A replica is down when unreachable or its circuit is open, degraded while half-open, unknown before any check. */
export function replicaHealth({ reachable, circuit }: Pick<ReplicaStatus, "reachable" | "circuit">): Health {
  if (reachable === false || circuit === "open") return "down";
  if (circuit === "halfOpen") return "degraded";
  return reachable === null ? "unknown" : "up";
}

/** What the status page shows, now: each node's health, circuit state and recent traffic (subgraphs by name). */
export function statusSnapshot({ stats, subgraphs, supergraph, now = Date.now }: SnapshotSources): StatusSnapshot {
  stats.prune();
  const window = stats.windowSeconds;
  const served = supergraph();
  return {
    at: new Date(now()).toISOString(),
    windowSeconds: window,
    summarySeconds: SUMMARY_SECONDS,
    router: {
      health: served ? "up" : "unknown",
      supergraph: served ? { sha256: served.sha256, loadedAt: served.loadedAt, loads: served.loads } : null,
      traffic: summarize(stats.router, window),
    },
    subgraphs: Object.entries(subgraphs())
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, subgraph]) => ({
        name,
        health: subgraph.status,
        traffic: summarize(stats.subgraph(name), window),
        replicas: subgraph.replicas.map((replica) => ({
          url: replica.url,
          health: replicaHealth(replica),
          reachable: replica.reachable,
          circuit: replica.circuit,
          checkedAt: replica.checkedAt,
          ...(replica.error ? { error: replica.error } : {}),
          traffic: summarize(stats.replica(name, replica.url), window),
        })),
      })),
  };
}
