/**
 * Composes the subgraphs listed in supergraph.yaml (rover's format) into supergraph.graphql (for the
 * router) and api-schema.graphql (the schema clients see, which client codegen reads).
 *
 *   supergraph-compose [--config <supergraph.yaml>] [--output <supergraph.graphql>] [--api-output <api-schema.graphql>]
 *   (npm run compose)
 *
 * Defaults: supergraph.yaml in the current folder, and both outputs next to the config.
 * Exits 1, writing nothing, when the config is invalid or composition fails.
 */
import { readFile, writeFile } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { apiSchemaFileContent, composeFromConfig, formatProblem, supergraphFileContent } from "../compose.js";
import { plural } from "../plural.js";
import { loadSupergraphConfig, SupergraphConfigError } from "../supergraphConfig.js";
import { runCommand } from "./runCommand.js";

const DEFAULT_CONFIG = "supergraph.yaml";
const USAGE =
  "Usage: npm run compose -- [--config <supergraph.yaml>] [--output <supergraph.graphql>] [--api-output <api-schema.graphql>]";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      config: { type: "string", short: "c" },
      output: { type: "string", short: "o" },
      "api-output": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const configPath = resolve(values.config ?? DEFAULT_CONFIG);
  const outputPath = resolve(values.output ?? resolve(dirname(configPath), "supergraph.graphql"));
  const apiOutputPath = resolve(values["api-output"] ?? resolve(dirname(configPath), "api-schema.graphql"));
  const shown = (path: string) => relative(process.cwd(), path) || path;

  const config = await loadSupergraphConfig(configPath);
  const outcome = await composeFromConfig(config);
  for (const hint of outcome.hints) console.warn(`warning ${formatProblem(hint)}`);
  if (!outcome.ok) {
    for (const error of outcome.errors) console.error(`error ${formatProblem(error)}`);
    console.error(
      `Composition of ${shown(configPath)} failed with ${plural(outcome.errors.length, "error")}; ${shown(outputPath)} was not written.`,
    );
    return 1;
  }

  const names = config.subgraphs.map((subgraph) => subgraph.name);
  const outputs = [
    { path: outputPath, content: supergraphFileContent(outcome.supergraphSdl) },
    { path: apiOutputPath, content: apiSchemaFileContent(outcome.apiSchemaSdl) },
  ];
  for (const { path, content } of outputs) {
    const previous = await readFile(path, "utf8").catch(() => undefined);
    if (previous === content) {
      console.log(`${shown(path)} is up to date (${names.join(", ")}).`);
      continue;
    }
    await writeFile(path, content);
    console.log(`Composed ${names.join(", ")} into ${shown(path)}.`);
  }
  return 0;
}

runCommand("compose", main, { isKnown: (error) => error instanceof SupergraphConfigError, usage: USAGE });
