import { availableParallelism } from "node:os";
import { z } from "zod";

/** The most worker processes `server.workers` may ask for (and what `auto` is capped at). */
export const MAX_WORKERS = 64;

/** `server.requestTimeoutMs`'s default: a client has 30 s to send a whole request. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * router.yaml's `server` section: how many processes serve, and how long a client may take to send
 * a request. Env: `ROUTER_SERVER__WORKERS`, `ROUTER_SERVER__REQUEST_TIMEOUT_MS`.
 */
export const serverSectionSchema = z.strictObject({
  /**
   * Worker processes sharing the router's ports: 1 (the default) is one process, as always; 2..64
   * runs a primary that forks that many workers (Node's cluster module); `auto` one per core
   * (`os.availableParallelism()`, at most 64). See README, "Multiple cores".
   */
  workers: z.union([z.number().int().min(1).max(MAX_WORKERS), z.literal("auto")]).optional(),
  /**
   * Longest a client may take to send a whole request, headers and body (1 s to 10 min): a slower
   * one (a slow-loris client trickling bytes) gets 408 and its connection is closed.
   */
  requestTimeoutMs: z.number().int().min(1000).max(600_000).optional(),
});

export type ServerSection = z.infer<typeof serverSectionSchema>;

/** The `server` section, defaults filled in and `auto` resolved. */
export interface ServerSettings {
  /** Worker processes: 1 = a single process (no primary). */
  workers: number;
  /** Whether `workers` came from `auto`. */
  auto: boolean;
  /** Longest a client may take to send a whole request, in ms. */
  requestTimeoutMs: number;
}

/** Fills in the defaults of the `server` section; `auto` is this machine's core count (`cores`, for tests). */
export function resolveServerSettings(
  section: ServerSection | undefined,
  cores: () => number = availableParallelism,
): ServerSettings {
  const workers = section?.workers ?? 1;
  const requestTimeoutMs = section?.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (workers === "auto") return { workers: Math.min(MAX_WORKERS, Math.max(1, cores())), auto: true, requestTimeoutMs };
  return { workers, auto: false, requestTimeoutMs };
}
