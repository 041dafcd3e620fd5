export { ConfigError, collectProblems, env, loadConfig, readSecret, redactUrl } from "./config.js";
export {
  ConflictError,
  createErrorFormatter,
  DomainError,
  ForbiddenError,
  NotFoundError,
  requestIdOf,
  UnauthenticatedError,
  ValidationError,
} from "./errors.js";
export type { InflightSharing } from "./graphqlHandler.js";
export { type HealthCheck, type HealthReport, healthReport } from "./health.js";
export { createLogger, type Logger, type LoggerOptions } from "./logger.js";
export {
  ANONYMOUS,
  aggregateMetrics,
  type Counter,
  type CounterChild,
  DURATION_BUCKETS,
  type Gauge,
  type Histogram,
  type HistogramChild,
  type MetricsSnapshot,
  OperationLabels,
  OTHER,
  outcomeLabel,
  ServiceMetrics,
  type ServiceMetricsOptions,
  seriesCache,
} from "./metrics.js";
export { closeAndExit, type RunOptions, runService } from "./runService.js";
export {
  type ApolloBaseOptions,
  type CompletedRequest,
  createService,
  type EventStream,
  type Refusal,
  type RequestSummary,
  type Route,
  type RouteRequest,
  type RouteResponse,
  type Service,
  type ServiceOptions,
} from "./service.js";
export {
  continueTrace,
  formatTraceparent,
  newSpanId,
  newTraceId,
  TRACEPARENT_HEADER,
  type TraceContext,
} from "./traceContext.js";
export {
  InMemorySpanExporter,
  type ReadableSpan,
  readTracingConfig,
  type SpanExporter,
  startTracing,
  type Tracing,
  type TracingOptions,
  type TracingSettings,
} from "./tracing.js";
export { type TextRule, validateInput, validatePatch, validateText } from "./validation.js";
