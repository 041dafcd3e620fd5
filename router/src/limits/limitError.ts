import type { ErrorCode } from "@supergraph/error-codes";
import { GraphQLError } from "graphql";

/** The codes of the router's operation limits (see the error-code contract). */
export type LimitCode = Extract<
  ErrorCode,
  | "QUERY_TOO_DEEP"
  | "TOO_MANY_ALIASES"
  | "TOO_MANY_ROOT_FIELDS"
  | "TOO_MANY_TOKENS"
  | "TOO_MANY_DIRECTIVES"
  | "QUERY_TOO_COSTLY"
>;

/**
 * An operation refused by one of the router's limits: its code, HTTP 400, and a message naming
 * the limit and its maximum. Reported by a validation rule, Apollo Server relabels it
 * GRAPHQL_VALIDATION_FAILED; `restoreLimitCode` (operationLimits.ts) puts the code back.
 */
export class LimitError extends GraphQLError {
  constructor(
    readonly code: LimitCode,
    message: string,
  ) {
    super(message, { extensions: { code, http: { status: 400 } } });
    this.name = "LimitError";
  }
}
