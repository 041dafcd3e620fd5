export { ConfigError, collectProblems, env, loadConfig, readSecret } from "./config.js";
export {
  ConflictError,
  createErrorFormatter,
  DomainError,
  ForbiddenError,
  NotFoundError,
  UnauthenticatedError,
  ValidationError,
} from "./errors.js";
export { type HealthCheck, type HealthReport, healthReport } from "./health.js";
export { createLogger, type Logger, type LoggerOptions } from "./logger.js";
export { type RunOptions, runService } from "./runService.js";
export {
  type ApolloBaseOptions,
  createService,
  type Refusal,
  type Route,
  type RouteRequest,
  type RouteResponse,
  type Service,
  type ServiceOptions,
} from "./service.js";
export { type TextRule, validateInput, validatePatch, validateText } from "./validation.js";
