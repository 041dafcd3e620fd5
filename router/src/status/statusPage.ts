import type { CompletedRequest, Logger, Route } from "@supergraph/service-kit";
import type { UpstreamObserver } from "../fault/observer.js";
import type { SubgraphStatus } from "../fault/upstream.js";
import type { SupergraphState } from "../watchSupergraph.js";
import { STATUS_PAGE_CSP, statusHtml } from "./statusHtml.js";
import { statusSnapshot } from "./statusSnapshot.js";
import { TrafficStats } from "./trafficStats.js";

export interface StatusPageOptions {
  /** Subgraph states by name (UpstreamRegistry.status for the served subgraphs). */
  subgraphs: () => Record<string, SubgraphStatus>;
  /** The served supergraph, or null before the first has loaded. */
  supergraph: () => SupergraphState | null;
  logger: Logger;
  /** How often `/status/events` sends a snapshot. Default: 1000 ms. */
  intervalMs?: number;
  /** Seconds of traffic kept (one-second buckets). Default: 60. */
  windowSeconds?: number;
  /** The clock (a test seam). Default: Date.now. */
  now?: () => number;
}

export interface StatusPage {
  /** Give it to the subgraph clients (UpstreamDeps.observer): it counts their tries and fetches. */
  observer: UpstreamObserver;
  /** Call it from the service's `onRequestDone`: it counts the router's GraphQL requests. */
  onRequestDone: (request: CompletedRequest) => void;
  /** `/status` (the page), `/status.json` (one snapshot), `/status/events` (server-sent snapshots); internal routes. */
  routes: Route[];
}

const PAGE_HEADERS = {
  "content-security-policy": STATUS_PAGE_CSP,
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
};

/**
 * The router's live status page: the topology (router -> subgraphs -> replicas) drawn in SVG, each
 * node coloured by health (reachability and circuit state, as /ready reports them) with its request
 * rate, error rate and p95 latency over the last seconds, updated every second over server-sent
 * events. Self-contained (no CDN): it works offline. Its routes are internal: on the main port
 * when the router has no internal listener (development), else only on the internal one (production).
 * The kit ends open event streams when the router starts draining, so they never delay a shutdown.
 */
export function statusPage({
  subgraphs,
  supergraph,
  logger,
  intervalMs = 1000,
  windowSeconds = 60,
  now = Date.now,
}: StatusPageOptions): StatusPage {
  const stats = new TrafficStats({ windowSeconds, now });
  const snapshot = () => statusSnapshot({ stats, subgraphs, supergraph, now });
  return {
    observer: stats,
    onRequestDone: stats.onRequestDone,
    routes: [
      {
        path: "/status",
        internal: true,
        handle: () => ({
          status: 200,
          body: statusHtml(snapshot()),
          contentType: "text/html; charset=utf-8",
          headers: PAGE_HEADERS,
        }),
      },
      {
        path: "/status.json",
        internal: true,
        handle: () => ({ status: 200, json: snapshot() }),
      },
      {
        path: "/status/events",
        internal: true,
        handle: () => ({
          events: {
            start: (send, signal) => {
              const tick = () => {
                try {
                  send(JSON.stringify(snapshot()));
                } catch (error) {
                  logger.warn({ err: error }, "status snapshot failed");
                }
              };
              tick();
              if (signal.aborted) return;
              const timer = setInterval(tick, intervalMs);
              timer.unref();
              signal.addEventListener("abort", () => clearInterval(timer), { once: true });
            },
          },
        }),
      },
    ],
  };
}
