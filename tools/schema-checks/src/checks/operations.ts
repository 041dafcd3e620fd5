/**
 * Check 4: every client operation is valid against the new API schema; each one that would break is
 * named with the reason. Breaking changes get a client-aware verdict: which operations use them, or none.
 */
import { type LoadedOperations, operationLabel } from "../clientOperations.js";
import { graphql } from "../graphqlRuntime.js";
import { plural } from "../plural.js";
import { type CheckResult, checkResult, type Finding } from "../report.js";
import type { Comparison } from "../schemaDiff.js";

export function checkOperations(
  loaded: LoadedOperations,
  apiSchemaSdl: string | undefined,
  comparison: Comparison,
): CheckResult {
  const title = "Client operations";
  const findings: Finding[] = loaded.problems.map((problem) => ({
    level: "error",
    code: "OPERATIONS_UNREADABLE",
    message: problem,
  }));
  if (apiSchemaSdl === undefined) {
    findings.push({
      level: "warning",
      code: "NOT_CHECKED",
      message: "no new API schema: the subgraphs do not compose",
    });
    return checkResult("operations", title, "not checked: the subgraphs do not compose", findings);
  }
  const schema = graphql.buildSchema(apiSchemaSdl);
  let broken = 0;
  for (const operation of loaded.operations) {
    const errors = graphql.validate(schema, operation.document);
    if (errors.length === 0) continue;
    broken += 1;
    // Sources are named after their file, so a location inside a shared fragment points at the fragment's file.
    const reasons = errors.map((error) => {
      const line = error.locations?.[0]?.line;
      return `${error.message}${error.source && line ? ` (${error.source.name}:${line})` : ""}`;
    });
    findings.push({
      level: "error",
      code: "OPERATION_BROKEN",
      message: `${operationLabel(operation)} would break: ${reasons.join("; ")}`,
      operations: [operationLabel(operation)],
    });
  }
  const verdicts: string[] = [];
  if (comparison.available) {
    const breaking = comparison.changes.filter((change) => change.criticality === "BREAKING");
    const unused = breaking.filter((change) => change.usedBy.length === 0);
    for (const change of breaking) {
      findings.push({
        level: "info",
        code: change.usedBy.length === 0 ? "BREAKING_CHANGE_UNUSED" : "BREAKING_CHANGE_USED",
        message:
          change.usedBy.length === 0
            ? `${change.key}: no known client operation uses it`
            : `${change.key}: used by ${plural(change.usedBy.length, "client operation")}`,
        fields: change.path ? [change.path] : [],
        operations: change.usedBy,
      });
    }
    if (breaking.length > 0) {
      verdicts.push(
        `; client-aware verdict: ${breaking.length - unused.length} of ${plural(breaking.length, "breaking change")} used by known operations`,
      );
    }
  }
  const clients = [...new Set(loaded.operations.map((operation) => operation.client))];
  const total = `${plural(loaded.operations.length, "operation")} of ${clients.join(", ") || "no client"}`;
  const summary =
    broken === 0
      ? `${total} valid against the new API schema${verdicts.join("")}`
      : `${broken} of ${total} would break${verdicts.join("")}`;
  return checkResult("operations", title, summary, findings);
}
