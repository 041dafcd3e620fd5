/**
 * Check 5: for each client operation, the number of subgraph fetches in its query plan, now and at the
 * base. A change is a warning, so a schema change that adds network hops shows up in review.
 */
import { operationFromDocument, Supergraph } from "@apollo/federation-internals";
import { type PlanNode, QueryPlanner, type SubscriptionNode } from "@apollo/query-planner";
import { type ClientOperation, operationLabel } from "../clientOperations.js";
import { plural } from "../plural.js";
import { type CheckResult, checkResult, type Finding } from "../report.js";
import type { Comparison } from "../schemaDiff.js";

/** Number of `FetchNode`s in a plan: the requests the router sends to subgraphs. */
export function countFetches(node: PlanNode | SubscriptionNode | undefined): number {
  if (!node) return 0;
  switch (node.kind) {
    case "Fetch":
      return 1;
    case "Sequence":
    case "Parallel":
      return node.nodes.reduce((sum, child) => sum + countFetches(child), 0);
    case "Flatten":
      return countFetches(node.node);
    case "Condition":
      return countFetches(node.ifClause) + countFetches(node.elseClause);
    case "Defer":
      return node.deferred.reduce(
        (sum, deferred) => sum + countFetches(deferred.node),
        countFetches(node.primary.node),
      );
    case "Subscription":
      return countFetches(node.primary) + countFetches(node.rest);
  }
}

type Planner = (operation: ClientOperation) => number | undefined;

/** Plans operations over a supergraph; undefined for an operation the supergraph's API schema rejects. */
function plannerFor(supergraphSdl: string): Planner {
  const supergraph = Supergraph.build(supergraphSdl);
  const planner = new QueryPlanner(supergraph);
  const apiSchema = supergraph.apiSchema();
  return (operation) => {
    let parsed: ReturnType<typeof operationFromDocument>;
    try {
      parsed = operationFromDocument(apiSchema, operation.document, { operationName: operation.name, validate: true });
    } catch {
      return undefined;
    }
    return countFetches(planner.buildQueryPlan(parsed).node);
  };
}

export function checkQueryPlans(
  operations: readonly ClientOperation[],
  supergraphSdl: string | undefined,
  comparison: Comparison,
): CheckResult {
  const title = "Query plans";
  if (supergraphSdl === undefined) {
    return checkResult("query-plans", title, "not checked: the subgraphs do not compose", [
      { level: "warning", code: "NOT_CHECKED", message: "no new supergraph: the subgraphs do not compose" },
    ]);
  }
  const findings: Finding[] = [];
  let base: Planner | undefined;
  if (!comparison.available) {
    // The breaking-changes check fails for a missing explicit base; here it is only a missing comparison.
    findings.push({ level: "warning", code: comparison.code, message: comparison.reason });
  } else if (comparison.baseSupergraphSdl === undefined) {
    findings.push({ level: "warning", code: "BASE_SUPERGRAPH_MISSING", message: "the base has no supergraph.graphql" });
  } else {
    try {
      base = plannerFor(comparison.baseSupergraphSdl);
    } catch (error) {
      findings.push({ level: "warning", code: "BASE_SUPERGRAPH_INVALID", message: (error as Error).message });
    }
  }
  const current = plannerFor(supergraphSdl);
  let planned = 0;
  let changed = 0;
  for (const operation of operations) {
    const label = operationLabel(operation);
    let now: number | undefined;
    let before: number | undefined;
    try {
      now = current(operation);
      before = base?.(operation);
    } catch (error) {
      findings.push({
        level: "warning",
        code: "QUERY_PLAN_FAILED",
        message: `${label}: cannot plan it: ${(error as Error).message}`,
        operations: [label],
      });
      continue;
    }
    if (now === undefined) continue; // invalid now: the operations check says why
    planned += 1;
    const fetches = (count: number) => plural(count, "subgraph fetch", "subgraph fetches");
    if (base && before !== undefined && before !== now) {
      changed += 1;
      findings.push({
        level: "warning",
        code: "QUERY_PLAN_FETCHES_CHANGED",
        message: `${label}: ${fetches(before)} at the base, ${fetches(now)} now`,
        operations: [label],
      });
    } else {
      const was = base ? (before === undefined ? " (new operation)" : " (unchanged)") : "";
      findings.push({
        level: "info",
        code: "QUERY_PLAN_FETCHES",
        message: `${label}: ${fetches(now)}${was}`,
        operations: [label],
      });
    }
  }
  const summary = !base
    ? `${plural(planned, "operation")} planned; not compared with a base`
    : changed === 0
      ? `${plural(planned, "operation")} planned; fetch counts unchanged since the base`
      : `${changed} of ${plural(planned, "operation")} changed their number of subgraph fetches`;
  return checkResult("query-plans", title, summary, findings);
}
