import { availableParallelism } from "node:os";
import { z } from "zod";

/** The most worker processes `server.workers` may ask for (and what `auto` is capped at). */
export const MAX_WORKERS = 64;

/**
 * router.yaml's `server` section: how many processes serve. Env: `ROUTER_SERVER__WORKERS`.
 */
export const serverSectionSchema = z.strictObject({
  /**
   * Worker processes sharing the router's ports: 1 (the default) is one process, as always; 2..64
   * runs a primary that forks that many workers (Node's cluster module); `auto` one per core
   * (`os.availableParallelism()`, at most 64). See README, "Multiple cores".
   */
  workers: z.union([z.number().int().min(1).max(MAX_WORKERS), z.literal("auto")]).optional(),
});

export type ServerSection = z.infer<typeof serverSectionSchema>;

/** The `server` section, defaults filled in and `auto` resolved. */
export interface ServerSettings {
  /** Worker processes: 1 = a single process (no primary). */
  workers: number;
  /** Whether `workers` came from `auto`. */
  auto: boolean;
}

/** Fills in the defaults of the `server` section; `auto` is this machine's core count (`cores`, for tests). */
export function resolveServerSettings(
  section: ServerSection | undefined,
  cores: () => number = availableParallelism,
): ServerSettings {
  const workers = section?.workers ?? 1;
  if (workers === "auto") return { workers: Math.min(MAX_WORKERS, Math.max(1, cores())), auto: true };
  return { workers, auto: false };
}
