import { ERROR_CODES, type ErrorCode } from "@supergraph/error-codes";

/**
 * Every error code the supergraph can send (`extensions.code`): the contract of
 * `@supergraph/error-codes`, which the services and the router use too, each with its meaning in
 * `ERROR_CODES`. Other codes can still arrive from elsewhere (the type keeps them as strings), but
 * these are the ones to branch on.
 */
export const KNOWN_ERROR_CODES = Object.keys(ERROR_CODES) as readonly ErrorCode[];

export type KnownErrorCode = ErrorCode;

/** One GraphQL error of a result, with the fields callers need lifted out of `extensions`. */
export interface GraphQLResultError {
  message: string;
  /** `extensions.code`, or `UNKNOWN` when the server sent none. */
  code: KnownErrorCode | "UNKNOWN" | (string & {});
  /** Path of the field that failed, e.g. `["users", "nodes", 0, "products"]`. */
  path: readonly (string | number)[] | undefined;
  /** The subgraph that produced or could not answer it (`extensions.serviceName`). */
  serviceName: string | undefined;
  /** The argument at fault, for BAD_USER_INPUT (`extensions.field`). */
  field: string | undefined;
  extensions: Readonly<Record<string, unknown>>;
}

/** The request did not produce a GraphQL response: connection failure, timeout, or a non-2xx HTTP status. */
export class ClientNetworkError extends Error {
  override readonly name = "ClientNetworkError";
  constructor(
    message: string,
    readonly url: string,
    /** HTTP status, when a response arrived. */
    readonly status: number | undefined,
    /** GraphQL errors in a non-2xx response's body, if it had any (e.g. a 400 for an invalid query). */
    readonly errors: readonly GraphQLResultError[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Thrown by `requestData` when a result has errors; keeps whatever data arrived. */
export class ClientResultError<TData = unknown> extends Error {
  override readonly name = "ClientResultError";
  constructor(
    readonly errors: readonly GraphQLResultError[],
    readonly data: TData | null,
  ) {
    super(errors.map((error) => `[${error.code}] ${error.message}`).join("; "));
  }
}

export function toResultError(error: {
  message: string;
  path?: readonly (string | number)[] | undefined;
  extensions?: Readonly<Record<string, unknown>> | undefined;
}): GraphQLResultError {
  const extensions = error.extensions ?? {};
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  return {
    message: error.message,
    code: text(extensions.code) ?? "UNKNOWN",
    path: error.path,
    serviceName: text(extensions.serviceName),
    field: text(extensions.field),
    extensions,
  };
}
