/**
 * Child process of servedSdl.ts: imports each subgraph package's `./server` export by the package's
 * own name (resolved from its folder, so a copy of the repository loads its own code), finds the
 * subgraph it exports, asks it for the SDL its code serves, and sends the answers to the parent over IPC.
 *
 *   node --conditions=source --import tsx servedSdlWorker.ts '[{"name":"users","dir":"/abs/subgraphs/users"}]'
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { SERVER_EXPORT, type ServedSdl, type SubgraphCode } from "./servedSdl.js";

/** What the check needs of a subgraph (of @supergraph/subgraph-kit): its name, and the SDL its code serves. */
interface AnySubgraph {
  name: string;
  servedSdl(): Promise<string>;
}

const isSubgraph = (value: unknown): value is AnySubgraph =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as AnySubgraph).name === "string" &&
  typeof (value as AnySubgraph).servedSdl === "function";

async function servedSdl({ name, dir }: SubgraphCode): Promise<ServedSdl> {
  const manifest = join(dir, "package.json");
  const { name: packageName } = JSON.parse(readFileSync(manifest, "utf8")) as { name: string };
  const entry = createRequire(manifest).resolve(`${packageName}/${SERVER_EXPORT.slice(2)}`);
  const exported = Object.values((await import(pathToFileURL(entry).href)) as Record<string, unknown>);
  const subgraph = exported.filter(isSubgraph).find((candidate) => candidate.name === name);
  if (!subgraph) {
    return { name, error: `${packageName}/${SERVER_EXPORT.slice(2)} exports no subgraph named "${name}"` };
  }
  return { name, sdl: await subgraph.servedSdl() };
}

const subgraphs = JSON.parse(process.argv[2] ?? "[]") as SubgraphCode[];
const results: ServedSdl[] = [];
for (const subgraph of subgraphs) {
  try {
    results.push(await servedSdl(subgraph));
  } catch (error) {
    results.push({ name: subgraph.name, error: error instanceof Error ? error.message : String(error) });
  }
}
if (process.send) process.send(results, () => process.exit(0));
else console.log(JSON.stringify(results, null, 2));
