/**
 * Fails (exit 1) when something generated or declared no longer matches its source: the drift check of
 * `npm run check` (checks/drift.ts) on its own, for `npm test`, in the current folder:
 * - supergraph.graphql and api-schema.graphql, composed in memory from supergraph.yaml;
 * - each subgraph's served SDL (`_service { sdl }` of its code) against its schema.graphql;
 * - every workspace's codegen output (workspaces with a codegen config), via `graphql-codegen --check`.
 *
 *   supergraph-check-generated      (npm run check:generated)
 */
import { join, resolve } from "node:path";
import { checkDrift } from "../checks/drift.js";
import { composeFromConfig, formatProblem } from "../compose.js";
import { formatCheck } from "../report.js";
import { loadSupergraphConfig, SupergraphConfigError } from "../supergraphConfig.js";
import { runCommand } from "./runCommand.js";

const root = resolve(".");

async function main(): Promise<number> {
  const configPath = join(root, "supergraph.yaml");
  let config: Awaited<ReturnType<typeof loadSupergraphConfig>>;
  let outcome: Awaited<ReturnType<typeof composeFromConfig>>;
  try {
    config = await loadSupergraphConfig(configPath);
    outcome = await composeFromConfig(config);
  } catch (error) {
    if (!(error instanceof SupergraphConfigError)) throw error;
    console.error(error.message);
    return 1;
  }
  if (!outcome.ok) {
    console.error(
      `The subgraphs do not compose (run npm run compose for details):\n  ${outcome.errors.map(formatProblem).join("\n  ")}`,
    );
    return 1;
  }
  const drift = await checkDrift({ root, config, outcome });
  if (drift.status === "fail") {
    console.error(formatCheck(drift));
    return 1;
  }
  console.log(`Nothing drifted: ${drift.summary.replace(/^current: /, "")}.`);
  return 0;
}

runCommand("check:generated", main);
