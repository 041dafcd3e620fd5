import type { IncomingHttpHeaders } from "node:http";
import {
  type Context,
  context,
  DiagLogLevel,
  defaultTextMapGetter,
  defaultTextMapSetter,
  diag,
  propagation,
  ROOT_CONTEXT,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type SpanExporter,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import type { Logger } from "pino";
import { z } from "zod";
import { env, loadConfig } from "./config.js";

export { InMemorySpanExporter, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace-base";

/** Where a service sends its spans, as its OTEL_* variables say (see `readTracingConfig`). */
export interface TracingSettings {
  /** The `service.name` its spans carry. */
  serviceName: string;
  /** The OTLP/HTTP (JSON) URL spans are posted to, e.g. `http://collector:4318/v1/traces`. */
  endpoint: string;
  /** Share of the traces this service starts that are recorded (0 to 1); a caller's decision is followed. */
  sampleRatio: number;
}

export interface TracingOptions {
  /** The `service.name` resource attribute of every span. */
  serviceName: string;
  /** OTLP/HTTP (JSON) URL to post spans to, in batches. One of `endpoint` and `exporter`. */
  endpoint?: string;
  /** Instead of OTLP: where each span goes as soon as it ends (tests: an InMemorySpanExporter). */
  exporter?: SpanExporter;
  /** Share of the traces this service starts that are recorded (0 to 1). Default: 1 (all). */
  sampleRatio?: number;
  /**
   * Register as the process's tracer provider and propagator, so libraries that trace through
   * `@opentelemetry/api` (@apollo/gateway) report to it. Only one tracing per process can be global;
   * more services in one process (tests) start theirs with `global: false`. Default: true.
   */
  global?: boolean;
  /** Where the SDK's own warnings go (e.g. a collector that cannot be reached); global tracing only. Default: none. */
  logger?: Logger;
}

/**
 * A service's tracing, once started: its tracers, W3C `traceparent` propagation, and the flush on
 * shutdown. A service without tracing has none of this (no provider, no context manager, no spans).
 */
export interface Tracing {
  readonly serviceName: string;
  /** A tracer of this service; `scope` names the code that makes the spans (e.g. `@supergraph/router`). */
  tracer(scope: string): Tracer;
  /** The caller's trace context from its request headers (`traceparent`, `tracestate`); the root context when none is valid. */
  extract(headers: IncomingHttpHeaders): Context;
  /** The headers that carry `from`'s span to a service it calls (`traceparent`, `tracestate`). Default: the active context. */
  outgoingHeaders(from?: Context): Record<string, string>;
  /** Exports the spans that ended so far. */
  forceFlush(): Promise<void>;
  /** Exports what is left and stops; idempotent. What `runService` calls after the service drained. */
  shutdown(): Promise<void>;
}

/** The instrumentation scope of the spans the service kit makes (server, parse, validate). */
export const SERVICE_KIT_SCOPE = "@supergraph/service-kit";

const blankAsUnset = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);
const optionalUrl = z.preprocess(
  blankAsUnset,
  z.url({ protocol: /^https?$/, error: "expected an http(s) URL such as http://localhost:4318" }).optional(),
);

/**
 * The standard OpenTelemetry variables a service reads (see the README's tracing section):
 * tracing is on when OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is) or OTEL_EXPORTER_OTLP_ENDPOINT
 * (`/v1/traces` appended) is set and OTEL_SDK_DISABLED is not true; OTEL_SERVICE_NAME defaults to
 * `serviceName`; OTEL_TRACES_SAMPLER_ARG is the share of new traces recorded (default 1). Returns
 * undefined when tracing is off; a bad value is a ConfigError naming its variable.
 */
export function readTracingConfig(source: NodeJS.ProcessEnv, serviceName: string): TracingSettings | undefined {
  const values = loadConfig(
    {
      OTEL_SDK_DISABLED: env.switch(false),
      OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl,
      OTEL_SERVICE_NAME: env.optionalString(),
      OTEL_TRACES_SAMPLER_ARG: z.preprocess(
        blankAsUnset,
        z.coerce
          .number({ error: "expected a share of traces to record, from 0 to 1, such as 0.25" })
          .min(0, { error: "expected a share of traces to record, from 0 to 1, such as 0.25" })
          .max(1, { error: "expected a share of traces to record, from 0 to 1, such as 0.25" })
          .default(1),
      ),
    },
    source,
  );
  const base = values.OTEL_EXPORTER_OTLP_ENDPOINT;
  const endpoint =
    values.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base ? `${base.replace(/\/+$/, "")}/v1/traces` : undefined);
  if (values.OTEL_SDK_DISABLED || !endpoint) return undefined;
  return {
    serviceName: values.OTEL_SERVICE_NAME ?? serviceName,
    endpoint,
    sampleRatio: values.OTEL_TRACES_SAMPLER_ARG,
  };
}

/**
 * One AsyncLocalStorage context manager for the process, shared by every tracing started in it and
 * removed when the last one shuts down: a process without tracing keeps the API's no-op context.
 */
let contextUsers = 0;
let ownContextManager = false;
function useContextManager(): () => void {
  if (contextUsers++ === 0) {
    const manager = new AsyncLocalStorageContextManager().enable();
    ownContextManager = context.setGlobalContextManager(manager);
    if (!ownContextManager) manager.disable(); // someone else's is registered: spans use it
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--contextUsers === 0 && ownContextManager) {
      context.disable();
      ownContextManager = false;
    }
  };
}

/** The SDK's own diagnostics (failed exports, dropped spans) as log lines. */
function diagnosticsTo(logger: Logger) {
  const line =
    (level: "error" | "warn" | "info" | "debug") =>
    (message: string, ...args: unknown[]) => {
      const err = args.find((arg) => arg instanceof Error);
      logger[level]({ component: "tracing", ...(err ? { err } : {}) }, message);
    };
  return { error: line("error"), warn: line("warn"), info: line("info"), debug: line("debug"), verbose: line("debug") };
}

/**
 * Starts a service's tracing: a NodeTracerProvider whose spans carry `service.name`, sampled
 * parent-based (a caller's decision is followed; new traces by `sampleRatio`), exported by a
 * BatchSpanProcessor to the OTLP/HTTP `endpoint` (or, with `exporter`, span by span), with W3C
 * Trace Context propagation and an AsyncLocalStorage context manager, so spans nest across
 * `await`. Only call it when tracing is configured: without it nothing is registered and nothing
 * is traced. Call `shutdown()` once the service has drained, to send the last spans.
 */
export function startTracing(options: TracingOptions): Tracing {
  const { serviceName, sampleRatio = 1, global = true, logger } = options;
  if ((options.endpoint === undefined) === (options.exporter === undefined)) {
    throw new Error("startTracing needs one of `endpoint` and `exporter`");
  }
  const processor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter({ url: options.endpoint }));
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName })),
    sampler: new ParentBasedSampler({
      root: sampleRatio >= 1 ? new AlwaysOnSampler() : new TraceIdRatioBasedSampler(sampleRatio),
    }),
    spanProcessors: [processor],
  });
  const propagator = new W3CTraceContextPropagator();
  const releaseContext = useContextManager();
  if (global) {
    if (!trace.setGlobalTracerProvider(provider)) {
      releaseContext();
      throw new Error(
        "a tracer provider is already registered in this process: start other tracings with global: false",
      );
    }
    propagation.setGlobalPropagator(propagator);
    if (logger) diag.setLogger(diagnosticsTo(logger), { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  }
  if (logger && options.endpoint) {
    const shown = new URL(options.endpoint);
    shown.username = shown.password = shown.search = "";
    logger.info({ endpoint: shown.href, serviceName, sampleRatio }, "tracing on: spans are sent with OTLP/HTTP");
  }

  let stopped: Promise<void> | undefined;
  return {
    serviceName,
    tracer: (scope) => provider.getTracer(scope),
    extract: (headers) => propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter),
    outgoingHeaders: (from = context.active()) => {
      const headers: Record<string, string> = {};
      propagator.inject(from, headers, defaultTextMapSetter);
      return headers;
    },
    forceFlush: () => provider.forceFlush(),
    shutdown: () => {
      stopped ??= provider.shutdown().finally(() => {
        if (global) {
          trace.disable();
          propagation.disable();
          if (logger) diag.disable();
        }
        releaseContext();
      });
      return stopped;
    },
  };
}
