import type { OPERATION_LIMIT_CODES } from "@supergraph/error-codes";
import { GraphQLError } from "graphql";

/** The codes of the router's operation limits (see the error-code contract). */
export type LimitCode = (typeof OPERATION_LIMIT_CODES)[number];

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
