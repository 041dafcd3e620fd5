/**
 * Child process of servedSdl.ts: builds each subgraph's server from its code, the way its index.ts does but
 * without listening (`createServer` from `<dir>/src/server.ts`, over an empty in-memory SQLite database:
 * the SDL does not depend on data), asks it `{ _service { sdl } }`, and sends the answers to the parent over IPC.
 *
 *   node --conditions=source --import tsx servedSdlWorker.ts '[{"name":"users","dir":"/abs/subgraphs/users"}]'
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createLogger, openSqlite, type Service } from "@supergraph/service-kit";
import type { ServedSdl, SubgraphCode } from "./servedSdl.js";

type CreateServer = (deps: { db: unknown; logger: unknown }) => Promise<Service<object>>;

async function servedSdl({ name, dir }: SubgraphCode): Promise<ServedSdl> {
  const module = (await import(pathToFileURL(join(dir, "src", "server.ts")).href)) as { createServer?: unknown };
  if (typeof module.createServer !== "function") {
    return { name, error: "src/server.ts does not export a createServer function" };
  }
  const db = openSqlite({ filename: ":memory:" });
  const service = await (module.createServer as CreateServer)({
    db,
    logger: createLogger({ service: name, level: "silent" }),
  });
  try {
    const response = await service.apollo.executeOperation({ query: "{ _service { sdl } }" }, { contextValue: {} });
    if (response.body.kind !== "single") return { name, error: "expected a single result" };
    const { data, errors } = response.body.singleResult;
    const sdl = (data as { _service?: { sdl?: unknown } } | null | undefined)?._service?.sdl;
    if (typeof sdl !== "string") {
      return { name, error: `{ _service { sdl } } failed: ${errors?.map((e) => e.message).join("; ") ?? "no sdl"}` };
    }
    return { name, sdl };
  } finally {
    await service.close();
  }
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
