import { unwrapResolverError } from "@apollo/server/errors";
import { ErrorCode, isErrorCode } from "@supergraph/error-codes";
import type { GraphQLFormattedError } from "graphql";
import type { Logger } from "pino";

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
  readonly code = ErrorCode.BAD_USER_INPUT;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message, { field });
  }
}

export class NotFoundError extends DomainError {
  override readonly name = "NotFoundError";
  readonly code = ErrorCode.NOT_FOUND;
  constructor(entity: string, id: string) {
    super(`${entity} "${id}" does not exist.`, { entity, id });
  }
}

/** The request clashes with existing data, e.g. a unique value already taken. */
export class ConflictError extends DomainError {
  override readonly name = "ConflictError";
  readonly code = ErrorCode.CONFLICT;
  constructor(field: string, message: string) {
    super(message, { field });
  }
}

/** The operation needs a signed-in user and the request carried none. */
export class UnauthenticatedError extends DomainError {
  override readonly name = "UnauthenticatedError";
  readonly code = ErrorCode.UNAUTHENTICATED;
}

/** The signed-in user may not do this: not the owner, not an admin. */
export class ForbiddenError extends DomainError {
  override readonly name = "ForbiddenError";
  readonly code = ErrorCode.FORBIDDEN;
}

/** The body of an error sent to a client: the message, where it happened, and its code. */
function safeError(formatted: GraphQLFormattedError, message: string, extensions: Record<string, unknown>) {
  return {
    message,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions,
  };
}

/**
 * Apollo Server's own refusals of a request that carry an HTTP 4xx status but no code (a persisted
 * query whose hash does not match the text sent with it, an unsupported persisted query version):
 * the caller's mistake, not an internal error.
 */
function isUncodedRequestError(error: unknown): boolean {
  const extensions = (error as { extensions?: { code?: unknown; http?: { status?: unknown } } } | null)?.extensions;
  const status = extensions?.http?.status;
  return extensions?.code === undefined && typeof status === "number" && status >= 400 && status < 500;
}

/** The request each error belongs to, by error object (see `rememberRequestId`). */
const requestIds = new WeakMap<object, string>();

/**
 * Notes the request id of errors Apollo Server is about to format. The service's plugin calls it
 * in `didEncounterErrors`, which Apollo Server runs before `formatError` with the same error
 * objects, so the log line of a masked error's cause names the request id its client was given.
 */
export function rememberRequestId(errors: readonly unknown[], requestId: string): void {
  for (const error of errors) if (typeof error === "object" && error !== null) requestIds.set(error, requestId);
}

/** The request id `rememberRequestId` noted for an error Apollo Server formats, if any. */
export const requestIdOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null ? requestIds.get(error) : undefined;

/**
 * Apollo Server `formatError`: domain errors become their stable code (plus `details`), and so do
 * the errors `classify` recognises (e.g. a subgraph's lost database connection, logged here); errors that
 * already carry a code of the contract (`@supergraph/error-codes`: GraphQL's own request errors, a
 * router's fault codes) pass through without a stack trace; Apollo Server's uncoded 4xx refusals
 * become BAD_REQUEST; anything else, INTERNAL_SERVER_ERROR included, is logged and masked, so no stack trace, SQL, driver message or unlisted code reaches a client.
 */
export function createErrorFormatter(logger: Logger, classify?: (error: unknown) => DomainError | undefined) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const unwrapped = unwrapResolverError(error);
    const original = unwrapped instanceof DomainError ? unwrapped : (classify?.(unwrapped) ?? unwrapped);
    if (original instanceof DomainError) {
      if (original !== unwrapped)
        logger.warn(
          { requestId: requestIdOf(error), err: unwrapped, path: formatted.path, code: original.code },
          original.message,
        );
      return safeError(formatted, original.message, { code: original.code, ...original.details });
    }
    if (isUncodedRequestError(unwrapped))
      return safeError(formatted, formatted.message, { code: ErrorCode.BAD_REQUEST });
    const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
    if (isErrorCode(extensions.code) && extensions.code !== ErrorCode.INTERNAL_SERVER_ERROR) {
      return { ...formatted, extensions };
    }
    logger.error(
      { requestId: requestIdOf(error), err: original, path: formatted.path, code: extensions.code },
      "unexpected error while resolving",
    );
    return safeError(formatted, "Internal server error.", { code: ErrorCode.INTERNAL_SERVER_ERROR });
  };
}
