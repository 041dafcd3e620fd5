/** Runs the five schema checks of `npm run check` on a project folder and returns their report. */
import { join, resolve } from "node:path";
import {
  ACKNOWLEDGEMENTS_FILE,
  type Acknowledgement,
  AcknowledgementsError,
  loadAcknowledgements,
} from "./acknowledgements.js";
import { type Baseline, resolveBaseline } from "./baseline.js";
import { checkBreakingChanges } from "./checks/breaking.js";
import { checkComposition } from "./checks/composition.js";
import { checkDrift } from "./checks/drift.js";
import { checkOperations } from "./checks/operations.js";
import { checkQueryPlans } from "./checks/queryPlans.js";
import { type ClientOperation, loadClientOperations } from "./clientOperations.js";
import { type CompositionOutcome, composeFromConfig } from "./compose.js";
import { buildReport, type CheckResult, checkResult, type Report } from "./report.js";
import { type Comparison, diffApiSchemas } from "./schemaDiff.js";
import { loadSupergraphConfig, type SupergraphConfig, SupergraphConfigError } from "./supergraphConfig.js";

export interface CheckOptions {
  /** The project folder: supergraph.yaml, the committed artifacts, client operations, a git work tree. */
  root: string;
  /** Compare with this git ref instead of the merge-base of HEAD and main. */
  base?: string | undefined;
  /** Run graphql-codegen --check in every workspace. Default: true (tests turn it off for speed). */
  codegen?: boolean;
  /** Start each subgraph's code to compare its served SDL. Default: true. */
  servedSdl?: boolean;
}

async function compare(
  baseline: Baseline,
  apiSchemaSdl: string | undefined,
  operations: readonly ClientOperation[],
): Promise<Comparison> {
  if (!baseline.found) {
    return {
      available: false,
      level: baseline.explicit ? "error" : "warning",
      code: "BASELINE_UNAVAILABLE",
      reason: baseline.reason,
    };
  }
  if (apiSchemaSdl === undefined) {
    return { available: false, level: "warning", code: "NOT_CHECKED", reason: "the subgraphs do not compose" };
  }
  const short = baseline.commit.slice(0, 12);
  const baseApiSdl = await baseline.readFile("api-schema.graphql");
  if (baseApiSdl === undefined) {
    return {
      available: false,
      level: "warning",
      code: "BASE_API_SCHEMA_MISSING",
      reason: `the base ${short} has no api-schema.graphql (it predates it), so there is nothing to compare with`,
    };
  }
  try {
    return {
      available: true,
      base: { commit: baseline.commit, description: baseline.description },
      changes: await diffApiSchemas(baseApiSdl, apiSchemaSdl, operations),
      baseSupergraphSdl: await baseline.readFile("supergraph.graphql"),
    };
  } catch (error) {
    return {
      available: false,
      level: "error",
      code: "BASE_API_SCHEMA_INVALID",
      reason: `the base ${short}'s api-schema.graphql cannot be read as a schema: ${(error as Error).message}`,
    };
  }
}

async function compose(root: string): Promise<{ config?: SupergraphConfig; outcome: CompositionOutcome | Error }> {
  const configPath = join(root, "supergraph.yaml");
  try {
    const config = await loadSupergraphConfig(configPath);
    return { config, outcome: await composeFromConfig(config) };
  } catch (error) {
    if (error instanceof SupergraphConfigError) return { outcome: error };
    throw error;
  }
}

export async function runChecks(options: CheckOptions): Promise<Report> {
  const root = resolve(options.root);
  const { config, outcome } = await compose(root);
  const composed = outcome instanceof Error || !outcome.ok ? undefined : outcome;

  // Drift starts processes (the subgraphs' code, codegen): let them run while the rest is computed.
  const drift: Promise<CheckResult> =
    config && !(outcome instanceof Error)
      ? checkDrift({
          root,
          config,
          outcome,
          codegen: options.codegen ?? true,
          servedSdl: options.servedSdl ?? true,
        }).catch((error: unknown) =>
          checkResult("drift", "Drift", "could not run", [
            { level: "error", code: "DRIFT_CHECK_FAILED", message: (error as Error).message ?? String(error) },
          ]),
        )
      : Promise.resolve(
          checkResult("drift", "Drift", "not checked: supergraph.yaml cannot be used", [
            { level: "warning", code: "NOT_CHECKED", message: "supergraph.yaml cannot be used" },
          ]),
        );

  const loaded = await loadClientOperations(root);
  const acknowledgements: Acknowledgement[] | Error = await loadAcknowledgements(
    join(root, ACKNOWLEDGEMENTS_FILE),
  ).catch((error: unknown) => {
    if (error instanceof AcknowledgementsError) return error;
    throw error;
  });
  const baseline = await resolveBaseline(root, options.base);
  const comparison = await compare(baseline, composed?.apiSchemaSdl, loaded.operations);
  const checks = [
    checkComposition(config, outcome),
    await drift,
    checkBreakingChanges(comparison, acknowledgements),
    checkOperations(loaded, composed?.apiSchemaSdl, comparison),
    checkQueryPlans(loaded.operations, composed?.supergraphSdl, comparison),
  ];
  const base = baseline.found ? { commit: baseline.commit, description: baseline.description } : null;
  return buildReport(root, base, checks);
}
