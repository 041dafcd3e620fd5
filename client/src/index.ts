export {
  type ClientOptions,
  createClient,
  type OperationResult,
  persistedHash,
  type SupergraphClient,
} from "./client.js";
export {
  ClientNetworkError,
  ClientResultError,
  type GraphQLResultError,
  KNOWN_ERROR_CODES,
  type KnownErrorCode,
} from "./errors.js";
export * from "./generated/operations.js";
