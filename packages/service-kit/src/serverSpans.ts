import type { IncomingHttpHeaders } from "node:http";
import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import {
  type Context,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
} from "@opentelemetry/semantic-conventions";
import type { CompletedRequest } from "./service.js";
import type { TraceContext } from "./traceContext.js";
import { SERVICE_KIT_SCOPE, type Tracing } from "./tracing.js";

/** Span attributes from the OpenTelemetry semantic conventions that the stable set does not export. */
const ATTR_REQUEST_ID = "http.request.header.x-request-id";
const ATTR_OPERATION_NAME = "graphql.operation.name";
const ATTR_ENDUSER_ID = "enduser.id";

/** The server span of one request and the context its handler runs in. */
interface Active {
  span: Span;
  context: Context;
}

export interface ServerSpans {
  /**
   * Starts the server span of a request (`POST /graphql`, kind SERVER), the child of the caller's
   * `traceparent` when it sent a valid one, and returns its place in the trace for `RouteRequest.trace`.
   */
  start(request: object, headers: IncomingHttpHeaders, method: string, route: string, requestId: string): TraceContext;
  /** The handler, run in its request's span context, so the spans it makes are the span's children. */
  wrap<T, Req extends object, A extends unknown[], R>(
    handler: (this: T, request: Req, ...rest: A) => R,
  ): (this: T, request: Req, ...rest: A) => R;
  /** Ends the request's span with what it came to: status, operation, caller, outcome (an error unless `success`). */
  end(request: object, done: CompletedRequest): void;
  /** Ends the span of a request whose client went away before the answer. */
  abort(request: object): void;
  /** Apollo Server plugin: `graphql.parse` and `graphql.validate` spans under the request's span. */
  plugin: ApolloServerPlugin<BaseContext>;
}

/** A phase span (parse, validate) under the active span; none outside a traced request. */
function phase(tracer: Tracer, name: string): Span | undefined {
  const parent = context.active();
  return trace.getSpan(parent) ? tracer.startSpan(name, {}, parent) : undefined;
}

function endPhase(span: Span, error: unknown): void {
  if (error) {
    span.setAttribute(ATTR_ERROR_TYPE, (error as Error).name ?? "Error");
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
  }
  span.end();
}

/**
 * The service kit's spans for a service with tracing: one SERVER span per GraphQL request that
 * continues the caller's trace, with the handler running in its context, and spans for parsing and
 * validating the operation. Made only when the service has tracing; never for health or metrics routes.
 */
export function serverSpans(tracing: Tracing): ServerSpans {
  const tracer = tracing.tracer(SERVICE_KIT_SCOPE);
  const active = new WeakMap<object, Active>();
  return {
    start(request, headers, method, route, requestId) {
      const parent = tracing.extract(headers);
      const span = tracer.startSpan(
        `${method} ${route}`,
        {
          kind: SpanKind.SERVER,
          attributes: { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_HTTP_ROUTE]: route, [ATTR_REQUEST_ID]: [requestId] },
        },
        parent,
      );
      active.set(request, { span, context: trace.setSpan(parent, span) });
      const { traceId, spanId, traceFlags } = span.spanContext();
      const parentSpanId = trace.getSpanContext(parent)?.spanId;
      return {
        traceId,
        spanId,
        ...(parentSpanId ? { parentSpanId } : {}),
        sampled: (traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED,
      };
    },
    wrap(handler) {
      return function (this, request, ...rest) {
        const entry = active.get(request);
        return entry
          ? context.with(entry.context, handler, this, request, ...rest)
          : handler.call(this, request, ...rest);
      };
    },
    end(request, done) {
      const entry = active.get(request);
      if (!entry) return;
      active.delete(request);
      const { span } = entry;
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, done.status);
      if (done.operationName) span.setAttribute(ATTR_OPERATION_NAME, done.operationName);
      if (done.subject) span.setAttribute(ATTR_ENDUSER_ID, done.subject);
      if (done.status >= 500 || done.outcome !== "success") {
        span.setAttribute(ATTR_ERROR_TYPE, done.outcome);
        span.setStatus({ code: SpanStatusCode.ERROR, message: done.outcome });
      }
      span.end();
    },
    abort(request) {
      const entry = active.get(request);
      if (!entry) return;
      active.delete(request);
      entry.span.setAttribute(ATTR_ERROR_TYPE, "CLIENT_CLOSED_REQUEST");
      entry.span.setStatus({ code: SpanStatusCode.ERROR, message: "the client closed the request" });
      entry.span.end();
    },
    plugin: {
      async requestDidStart() {
        return {
          async parsingDidStart() {
            const span = phase(tracer, "graphql.parse");
            return span ? async (error) => endPhase(span, error) : undefined;
          },
          async validationDidStart() {
            const span = phase(tracer, "graphql.validate");
            return span ? async (errors) => endPhase(span, errors?.[0]) : undefined;
          },
        };
      },
    },
  };
}
