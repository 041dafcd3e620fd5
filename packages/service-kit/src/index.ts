export { ConfigError, env, loadConfig } from "./config.js";
export { isUniqueViolation, migrateToLatest, openSqlite, pingDatabase, type SqliteOptions } from "./database.js";
export {
  ConflictError,
  createErrorFormatter,
  DomainError,
  ErrorCode,
  NotFoundError,
  type TextRule,
  ValidationError,
  validateText,
} from "./errors.js";
export { createLogger, type Logger, type LoggerOptions } from "./logger.js";
export {
  encodeCursor,
  isValidId,
  type Page,
  type PageLimits,
  type PageRequest,
  pageInfo,
  parseId,
  parsePage,
} from "./pagination.js";
export {
  type ApolloBaseOptions,
  createService,
  type HealthCheck,
  type RunOptions,
  runService,
  type Service,
  type ServiceOptions,
} from "./service.js";
export {
  createSubgraphService,
  readSubgraphConfig,
  type StartSubgraphOptions,
  type SubgraphConfig,
  type SubgraphServiceOptions,
  startSubgraph,
} from "./subgraph.js";
