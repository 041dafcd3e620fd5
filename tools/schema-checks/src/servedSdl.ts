/**
 * Does each subgraph's code serve the SDL its schema.graphql says? A subgraph package states what
 * its code serves by exporting its server as `./server` (a subgraph of @supergraph/subgraph-kit,
 * which can report the SDL it serves). The code is loaded in a child process (servedSdlWorker.ts),
 * from source like `npm run dev`, so nothing it loads leaks into this process.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildSubgraph, printSchema } from "@apollo/federation-internals";
import { runNode } from "@supergraph/testing/processes";
import { inspector } from "./graphqlRuntime.js";

export interface SubgraphCode {
  name: string;
  /** The subgraph's package folder: the folder of its schema file. */
  dir: string;
}

export type ServedSdl =
  | { name: string; sdl: string; error?: undefined }
  | { name: string; sdl?: undefined; error: string };

/** The entry a subgraph package exports its server from. */
export const SERVER_EXPORT = "./server";

/** True when the package in `dir` exports its server (`exports["./server"]` in its package.json). */
export function exportsServer(dir: string): boolean {
  const manifest = join(dir, "package.json");
  if (!existsSync(manifest)) return false;
  const { exports } = JSON.parse(readFileSync(manifest, "utf8")) as { exports?: Record<string, unknown> };
  return typeof exports === "object" && exports !== null && SERVER_EXPORT in exports;
}

const workerPath = fileURLToPath(new URL("./servedSdlWorker.ts", import.meta.url));
const require = createRequire(import.meta.url);
const tsxLoader = pathToFileURL(require.resolve("tsx")).href;

/** Loads every subgraph's `./server` in one child process and collects the SDL each serves. */
export async function fetchServedSdl(
  subgraphs: readonly SubgraphCode[],
  { timeoutMs = 60_000 } = {},
): Promise<ServedSdl[]> {
  if (subgraphs.length === 0) return [];
  const result = await runNode(["--conditions=source", "--import", tsxLoader, workerPath, JSON.stringify(subgraphs)], {
    ipc: true,
    timeoutMs,
  });
  const [answers] = result.messages as ServedSdl[][];
  if (answers) return answers;
  const why = result.timedOut
    ? `was killed (timeout ${timeoutMs} ms)`
    : result.signal
      ? `was killed (${result.signal})`
      : `exited with code ${result.code}`;
  const error = `loading the subgraph code ${why}${result.output.trim() ? `:\n${result.output.trim()}` : ""}`;
  return subgraphs.map(({ name }) => ({ name, error }));
}

/** The SDL as federation prints a subgraph built from it: the same text for every equivalent way of writing it. */
const normalize = (name: string, sdl: string) => buildSubgraph(name, "http://subgraph", sdl);

/**
 * How the contract (schema file) and the served SDL differ, as graphql-inspector describes it: `[]` when
 * they are the same schema (formatting, comments and definition order aside).
 */
export async function compareSubgraphSdl(name: string, contract: string, served: string): Promise<string[]> {
  const expected = normalize(name, contract);
  const actual = normalize(name, served);
  if (printSchema(expected.schema) === printSchema(actual.schema)) return [];
  const changes = await inspector.diff(expected.schema.toGraphQLJSSchema(), actual.schema.toGraphQLJSSchema());
  return changes.map((change) => change.message);
}
