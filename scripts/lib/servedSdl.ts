/**
 * Does each subgraph's code serve the SDL its schema.graphql says? The code is started in a child process
 * (servedSdlWorker.ts), so it runs from source like `npm run dev` and nothing it loads leaks into this process.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildSubgraph, printSchema } from "@apollo/federation-internals";
import { inspector } from "./graphqlRuntime.js";

export interface SubgraphCode {
  name: string;
  /** The subgraph's folder: the folder of its schema file, holding `src/server.ts`. */
  dir: string;
}

export type ServedSdl =
  | { name: string; sdl: string; error?: undefined }
  | { name: string; sdl?: undefined; error: string };

/** True when `dir` holds code this check can start (`src/server.ts`). */
export const hasServerCode = (dir: string) => existsSync(join(dir, "src", "server.ts"));

const workerPath = fileURLToPath(new URL("./servedSdlWorker.ts", import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** Starts every subgraph's code in one child process and collects its `_service { sdl }`. */
export function fetchServedSdl(subgraphs: readonly SubgraphCode[], { timeoutMs = 60_000 } = {}): Promise<ServedSdl[]> {
  if (subgraphs.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--conditions=source", "--import", tsxLoader, workerPath, JSON.stringify(subgraphs)],
      { stdio: ["ignore", "pipe", "pipe", "ipc"] },
    );
    let output = "";
    let results: ServedSdl[] | undefined;
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    child.on("message", (message) => {
      results = message as ServedSdl[];
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (results) return resolve(results);
      const why = signal ? `was killed (${signal}; timeout ${timeoutMs} ms)` : `exited with code ${code}`;
      const error = `starting the subgraph code ${why}${output.trim() ? `:\n${output.trim()}` : ""}`;
      resolve(subgraphs.map(({ name }) => ({ name, error })));
    });
  });
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
