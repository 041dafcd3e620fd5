/**
 * Fails (exit 1) when something generated or declared no longer matches its source: the drift check of
 * `npm run check` (scripts/lib/checks/drift.ts) on its own, for `npm test`:
 * - supergraph.graphql and api-schema.graphql, composed in memory from supergraph.yaml;
 * - each subgraph's served SDL (`_service { sdl }` of its code) against its schema.graphql;
 * - every workspace's codegen output (workspaces with a codegen.yml), via `graphql-codegen --check`.
 *
 *   npm run check:generated
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkDrift } from "./lib/checks/drift.js";
import { composeFromConfig, formatProblem, loadSupergraphConfig, SupergraphConfigError } from "./lib/composition.js";
import { formatCheck } from "./lib/report.js";

const root = fileURLToPath(new URL("..", import.meta.url));

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

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error("check:generated failed:", error);
    process.exitCode = 1;
  },
);
