import { unwrapResolverError } from "@apollo/server/errors";
import type { GraphQLFormattedError } from "graphql";
import type { Logger } from "pino";

/** Stable codes a client can branch on. */
export const ErrorCode = {
  BadUserInput: "BAD_USER_INPUT",
  NotFound: "NOT_FOUND",
  Conflict: "CONFLICT",
  Internal: "INTERNAL_SERVER_ERROR",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base class of the errors a service raises on purpose; their messages are safe to show. */
export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Input that can never succeed as sent. `field` names the argument at fault. */
export class ValidationError extends DomainError {
  override readonly name = "ValidationError";
  readonly code = ErrorCode.BadUserInput;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message, { field });
  }
}

export class NotFoundError extends DomainError {
  override readonly name = "NotFoundError";
  readonly code = ErrorCode.NotFound;
  constructor(entity: string, id: string) {
    super(`${entity} "${id}" does not exist.`, { entity, id });
  }
}

/** The request clashes with existing data, e.g. a unique value already taken. */
export class ConflictError extends DomainError {
  override readonly name = "ConflictError";
  readonly code = ErrorCode.Conflict;
  constructor(field: string, message: string) {
    super(message, { field });
  }
}

/** Codes produced by GraphQL/Apollo Server itself whose messages are safe to pass through. */
const PASS_THROUGH_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
  "NOT_FOUND",
  "CONFLICT",
  "DOWNSTREAM_SERVICE_ERROR",
]);

/**
 * Apollo Server `formatError`: domain errors become their stable code (plus `details`), GraphQL's
 * own request errors pass through, and anything else is logged and masked as INTERNAL_SERVER_ERROR,
 * so no stack trace, SQL or driver message reaches a client.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof DomainError) {
      return {
        message: original.message,
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { code: original.code, ...original.details },
      };
    }
    const code = formatted.extensions?.code;
    if (typeof code === "string" && PASS_THROUGH_CODES.has(code)) {
      const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    logger.error({ err: original, path: formatted.path }, "unexpected error while resolving");
    return {
      message: "Internal server error.",
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.Internal },
    };
  };
}

export interface TextRule {
  /** Longest accepted length after trimming. */
  max: number;
  /** Whether an empty (or blank) value is refused. Default: true. */
  required?: boolean;
}

/** Trims a text input and checks its length; errors name `field`. Blank optional text becomes "". */
export function validateText(value: string, field: string, { max, required = true }: TextRule): string {
  const text = value.trim();
  if (required && text.length === 0) throw new ValidationError(field, `${field} must not be empty.`);
  if (text.length > max) {
    throw new ValidationError(field, `${field} must be at most ${max} characters; got ${text.length}.`);
  }
  return text;
}
