/** Check 1: supergraph.yaml composes. Errors name the subgraphs, types and fields involved; hints are warnings. */
import type { CompositionOutcome, CompositionProblem } from "../compose.js";
import { plural } from "../plural.js";
import { type CheckResult, checkResult, type Finding } from "../report.js";
import type { SupergraphConfig } from "../supergraphConfig.js";

const finding = (level: Finding["level"], problem: CompositionProblem): Finding => ({
  level,
  code: problem.code,
  message: problem.message,
  subgraphs: problem.subgraphs,
  types: problem.types,
  fields: problem.fields,
});

/** `outcome` is a composition, or the reason supergraph.yaml could not be used. */
export function checkComposition(
  config: SupergraphConfig | undefined,
  outcome: CompositionOutcome | Error,
): CheckResult {
  const title = "Composition";
  if (outcome instanceof Error) {
    return checkResult("composition", title, "supergraph.yaml cannot be used", [
      { level: "error", code: "SUPERGRAPH_CONFIG_INVALID", message: outcome.message },
    ]);
  }
  const names = config?.subgraphs.map((subgraph) => subgraph.name).join(", ") ?? "the subgraphs";
  const hints = outcome.hints.map((hint) => finding("warning", hint));
  const hintCount = plural(outcome.hints.length, "hint");
  if (!outcome.ok) {
    const errors = outcome.errors.map((error) => finding("error", error));
    return checkResult(
      "composition",
      title,
      `${names} do not compose: ${plural(errors.length, "error")} (run npm run compose)`,
      [...errors, ...hints],
    );
  }
  return checkResult("composition", title, `${names} compose (${hintCount})`, hints);
}
