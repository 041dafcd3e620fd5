import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

/** tsx's loader, so that Node runs a benchmark's own TypeScript file (only these files are run so). */
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** Node's arguments to run the TypeScript file `script` through tsx's loader. */
export const tsxArgs = (script: string, ...args: string[]): string[] => ["--import", TSX_LOADER, script, ...args];
