import type { Logger } from "@supergraph/service-kit";
import type { SubgraphSettings } from "./settings.js";
import { type SubgraphStatus, Upstream, type UpstreamDeps } from "./upstream.js";

/**
 * The router's subgraphs by name, created when the gateway first needs one and kept across
 * supergraph reloads, so circuit breakers, connection pools and probes survive a reload.
 */
export class UpstreamRegistry {
  private readonly upstreams = new Map<string, Upstream>();

  constructor(
    private readonly settingsFor: (name: string) => SubgraphSettings,
    private readonly logger: Logger,
    private readonly deps: UpstreamDeps = {},
  ) {}

  /** The subgraph `name`, routed to `supergraphUrl` unless replica URLs are configured for it. */
  get(name: string, supergraphUrl: string): Upstream {
    const existing = this.upstreams.get(name);
    if (existing) {
      existing.setSupergraphUrl(supergraphUrl);
      return existing;
    }
    const settings = this.settingsFor(name);
    const upstream = new Upstream(name, settings, supergraphUrl, this.logger, this.deps);
    this.logger.info(
      {
        subgraph: name,
        urls: settings.urls ?? [supergraphUrl],
        overridden: settings.urls !== undefined,
        discovery: settings.discovery,
        timeoutMs: settings.timeoutMs,
      },
      "subgraph route",
    );
    this.upstreams.set(name, upstream);
    return upstream;
  }

  /** The replicas, reachability and circuit state of each named subgraph (default: all known). */
  status(names: readonly string[] = [...this.upstreams.keys()]): Record<string, SubgraphStatus> {
    return Object.fromEntries(
      names.map((name) => [name, this.upstreams.get(name)?.status() ?? { status: "down", replicas: [] }]),
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.upstreams.values()].map((upstream) => upstream.close()));
  }
}
