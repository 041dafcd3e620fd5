/**
 * The error-code contract: every `extensions.code` a client of the supergraph can see, with what it
 * means. The subgraphs, the router and the client import it; a code that is not listed here is never
 * sent (the services mask it as INTERNAL_SERVER_ERROR), and a test fails if the code base uses one.
 */
export const ERROR_CODES = {
  // Raised by the subgraphs, about the data they own. Passed through the router with `serviceName`.
  BAD_USER_INPUT: "An argument or input field is invalid; `extensions.field` names it when it is one of ours.",
  NOT_FOUND: "The entity a mutation names does not exist (queries answer null instead), or no such HTTP route.",
  CONFLICT: "The change clashes with existing data, such as an email another user already has.",
  DATABASE_UNAVAILABLE:
    "The subgraph could not reach its database (it is down or unreachable); retry later. Its /ready reports the outage.",
  INTERNAL_SERVER_ERROR:
    "Something unexpected failed; the service that hit it logged the details and sent none (quote `extensions.requestId`).",

  // Who may do what. Raised where the data is owned (the subgraphs) or by the router's token check.
  UNAUTHENTICATED:
    "No valid token: the operation needs a signed-in user, or the bearer token is expired, malformed or not ours.",
  FORBIDDEN: "The signed-in user may not do this (not the owner, not an admin); nothing was changed.",
  SIGNATURE_INVALID:
    "A subgraph refused a request that the router did not sign, signed badly, or signed too long ago (HTTP 401).",

  // Added by the router when a subgraph fails it; `extensions.serviceName` names the subgraph.
  SUBGRAPH_UNAVAILABLE: "The subgraph could not be reached or gave no usable answer (refused, reset, 5xx, not JSON).",
  SUBGRAPH_TIMEOUT: "The subgraph did not answer within its timeout.",
  CIRCUIT_OPEN: "Every replica's circuit breaker is open after repeated failures, so the subgraph was not called.",
  DOWNSTREAM_SERVICE_ERROR: "The subgraph answered with an error that carried no code of its own.",

  // The router's own failures, outside any one subgraph.
  QUERY_PLANNING_FAILED: "The router could not plan the operation across the subgraphs; no subgraph was called.",
  QUERY_EXECUTION_FAILED: "The router failed while executing the operation's query plan.",

  // GraphQL and HTTP requests the server refused before running them.
  GRAPHQL_PARSE_FAILED: "The operation is not valid GraphQL syntax.",
  GRAPHQL_VALIDATION_FAILED: "The operation does not fit the schema (unknown field, wrong argument type, ...).",
  OPERATION_RESOLUTION_FAILURE: "operationName names no operation of the document, or several were sent without one.",
  PERSISTED_QUERY_NOT_FOUND: "An automatic persisted query hash is not known; send the query with it.",
  PERSISTED_QUERY_NOT_SUPPORTED: "Persisted queries are turned off.",
  BAD_REQUEST: "The HTTP request is not a GraphQL request (body not JSON, no query, GET mutation, CSRF check).",
  PAYLOAD_TOO_LARGE: "The request body is larger than the server accepts (1 MB).",

  // The router's limits on abusive operations, checked before any subgraph is called (see router.yaml, limits).
  QUERY_TOO_DEEP: "The operation nests fields deeper than the router allows.",
  TOO_MANY_ALIASES: "The operation uses more aliases than the router allows.",
  TOO_MANY_ROOT_FIELDS: "The operation selects more root fields than the router allows.",
  TOO_MANY_TOKENS: "The document is longer (in GraphQL tokens or characters) than the router allows.",
  TOO_MANY_DIRECTIVES: "The operation uses more directives than the router allows.",
  QUERY_TOO_COSTLY:
    "The operation's estimated cost (list fields weighted by their page size) is above the router's limit.",
  RATE_LIMITED:
    "This client sent more requests than its rate allows; retry after the Retry-After header's seconds (HTTP 429).",
  PERSISTED_QUERY_NOT_LISTED:
    "Trusted-documents mode: the operation is not in any manifest of the router, so it was not run.",
} as const satisfies Record<string, string>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes of the router's operation limits, one per limit; which one an abusive operation trips first is the router's choice. */
export const OPERATION_LIMIT_CODES = [
  "QUERY_TOO_DEEP",
  "TOO_MANY_ALIASES",
  "TOO_MANY_ROOT_FIELDS",
  "TOO_MANY_TOKENS",
  "TOO_MANY_DIRECTIVES",
  "QUERY_TOO_COSTLY",
] as const satisfies readonly ErrorCode[];

/** Every code, as a constant: `ErrorCode.NOT_FOUND` is `"NOT_FOUND"`. */
export const ErrorCode: { readonly [Code in ErrorCode]: Code } = Object.freeze(
  Object.fromEntries(Object.keys(ERROR_CODES).map((code) => [code, code])) as { [Code in ErrorCode]: Code },
);

/** True when `value` is a code of the contract. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_CODES, value);
}
