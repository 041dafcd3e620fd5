/** The router's GET /ready body (router/src/plugins/readiness.ts). */
export interface Readiness {
  status: string;
  degraded: boolean;
  supergraph: { sha256: string; loads: number; lastRejected: { reason: string } | null } | null;
  subgraphs: Record<
    string,
    {
      status: "up" | "degraded" | "down";
      replicas: { url: string; reachable: boolean | null; circuit: string; requests: number; failures: number }[];
    }
  >;
  /** Where rate limits and persisted queries are kept: in Redis (REDIS_URL), or this router's memory. */
  sharedState: { store: "redis" | "memory"; redis: "ready" | "unavailable" | "off" };
}

export async function readiness(routerOrigin: string): Promise<{ status: number; body: Readiness }> {
  const response = await fetch(`${routerOrigin}/ready`, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: (await response.json()) as Readiness };
}
