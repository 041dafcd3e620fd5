/** The API schema's changes since the base, by graphql-inspector, each with the client operations it touches. */
import { changeKey } from "./acknowledgements.js";
import { type ClientOperation, operationLabel } from "./clientOperations.js";
import { graphql, inspector } from "./graphqlRuntime.js";
import { operationUsage, usesChange } from "./operationUsage.js";
import { plural } from "./plural.js";
import type { BaseInfo } from "./report.js";

export interface SchemaChange {
  /** `<CHANGE_TYPE> <path>`, e.g. `FIELD_REMOVED User.email`: what acknowledgements name. */
  key: string;
  type: string;
  /** Schema coordinate changed, e.g. `User.email`. */
  path: string | undefined;
  message: string;
  criticality: "BREAKING" | "DANGEROUS" | "NON_BREAKING";
  /** graphql-inspector's explanation of why it is breaking or dangerous. */
  reason: string | undefined;
  /** Client operations (labels) that use what changed, judged against the base schema. */
  usedBy: string[];
}

/** What the diff-based checks compare with: the base's schemas, or why there is nothing to compare with. */
export type Comparison =
  | {
      available: true;
      base: BaseInfo;
      changes: SchemaChange[];
      /** Undefined when the base has no supergraph.graphql. */
      baseSupergraphSdl: string | undefined;
    }
  | {
      available: false;
      /** `error` when a base was asked for and cannot be had; otherwise `warning`. */
      level: "error" | "warning";
      code: string;
      reason: string;
    };

/** Diffs two API schemas (SDL text) and says which of `operations` each change touches. */
export async function diffApiSchemas(
  baseSdl: string,
  newSdl: string,
  operations: readonly ClientOperation[],
): Promise<SchemaChange[]> {
  const baseSchema = graphql.buildSchema(baseSdl);
  const newSchema = graphql.buildSchema(newSdl);
  const changes = await inspector.diff(baseSchema, newSchema);
  const usages = operations.map((operation) => ({
    label: operationLabel(operation),
    usage: operationUsage(baseSchema, operation.document),
  }));
  return changes.map((change) => ({
    key: changeKey(change),
    type: change.type,
    path: change.path,
    message: change.message,
    criticality: change.criticality.level,
    reason: change.criticality.reason,
    usedBy: usages.filter(({ usage }) => usesChange(usage, change)).map(({ label }) => label),
  }));
}

export const usageText = (change: SchemaChange) =>
  change.usedBy.length === 0
    ? "no known client operation uses it"
    : `used by ${plural(change.usedBy.length, "client operation")}`;
