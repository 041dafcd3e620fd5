import { createHash } from "node:crypto";
import { readFileSync, type Stats, unwatchFile, watchFile } from "node:fs";
import type { SupergraphSdlHook } from "@apollo/gateway";
import type { Logger } from "@supergraph/service-kit";
import { listSubgraphs } from "./supergraph.js";

export interface SupergraphWatcherOptions {
  /** The supergraph served at start. */
  initialSdl: string;
  /** The file to watch; when a new valid supergraph is written there, it replaces the served one. Default: none (no reload). */
  path?: string;
  /** How often the file is checked for changes (`fs.watchFile` polling: works on every filesystem and with atomic renames). Default: 1000 ms. */
  pollIntervalMs?: number;
  /** Extra checks of a new supergraph (e.g. URL overrides still name its subgraphs); throws with the reason. Default: none. */
  validate?: (supergraphSdl: string) => void;
  logger: Logger;
}

/** What `/ready` reports about the served supergraph. */
export interface SupergraphState {
  /** The watched file, when there is one. */
  path: string | null;
  sha256: string;
  subgraphs: string[];
  loadedAt: string;
  /** Supergraphs loaded since start, the first included. */
  loads: number;
  /** The last rejected supergraph and why (the previous one kept serving). */
  lastRejected: { at: string; sha256: string; reason: string } | null;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Hot reload: a `supergraphSdl` hook for ApolloGateway that serves `initialSdl`, then polls
 * `path` and hands each new valid supergraph to the gateway, which swaps it in without a
 * restart (requests already running finish on the schema they started with). A file that is
 * unreadable, not a supergraph, or refused by the gateway is logged with its reason and the
 * current supergraph keeps serving.
 */
export function watchSupergraph({
  initialSdl,
  path,
  pollIntervalMs = 1000,
  validate,
  logger,
}: SupergraphWatcherOptions): {
  hook: SupergraphSdlHook;
  state: () => SupergraphState;
} {
  const state: SupergraphState = {
    path: path ?? null,
    sha256: sha256(initialSdl),
    subgraphs: listSubgraphs(initialSdl).map((subgraph) => subgraph.name),
    loadedAt: new Date().toISOString(),
    loads: 1,
    lastRejected: null,
  };

  const hook: SupergraphSdlHook = async ({ update }) => {
    if (!path) return { supergraphSdl: initialSdl };
    const reject = (hash: string, reason: string) => {
      if (state.lastRejected?.sha256 === hash) return; // already reported
      state.lastRejected = { at: new Date().toISOString(), sha256: hash, reason };
      logger.error({ supergraph: path, reason }, "new supergraph rejected; still serving the previous one");
    };
    const onChange = (current: Stats, previous: Stats) => {
      if (current.mtimeMs === previous.mtimeMs && current.size === previous.size) return;
      let sdl: string;
      try {
        sdl = readFileSync(path, "utf8");
      } catch (error) {
        logger.warn({ supergraph: path, err: error }, "cannot read the supergraph file; still serving the current one");
        return;
      }
      const hash = sha256(sdl);
      if (hash === state.sha256) return;
      let subgraphs: string[];
      try {
        subgraphs = listSubgraphs(sdl).map((subgraph) => subgraph.name);
        validate?.(sdl);
        update(sdl);
      } catch (error) {
        reject(hash, (error as Error).message);
        return;
      }
      Object.assign(state, { sha256: hash, subgraphs, loadedAt: new Date().toISOString(), loads: state.loads + 1 });
      logger.info({ supergraph: path, sha256: hash, subgraphs }, "supergraph reloaded");
    };
    watchFile(path, { interval: pollIntervalMs, persistent: false }, onChange);
    return { supergraphSdl: initialSdl, cleanup: async () => unwatchFile(path, onChange) };
  };

  return { hook, state: () => structuredClone(state) };
}
