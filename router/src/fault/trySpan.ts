import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Tracing } from "@supergraph/service-kit";
import type { TryOutcome } from "./observer.js";
import { AttemptTimeout, FailureStatus, type Reply, TransportError } from "./replica.js";

/** The instrumentation scope of the router's own spans. */
export const ROUTER_SCOPE = "@supergraph/router";

/** The span name of one try to one replica of a subgraph. */
export const TRY_SPAN = "subgraph.try";

/** One try's span, and the headers that make the subgraph's server span its child. */
export interface TrySpan {
  /** `traceparent` (and `tracestate`) for this try's request. */
  headers: Record<string, string>;
  /** The replica answered (any status that is not a failure). */
  answered(reply: Reply): void;
  /** The try failed: a failure status, a timeout, nothing reachable, or a circuit that closed the door. */
  failed(error: unknown): void;
}

/** How a failed try ended, in the words of the observer's TryOutcome (plus `circuit_open`). */
function outcomeOf(error: unknown): TryOutcome | "circuit_open" | "error" {
  if (error instanceof FailureStatus) return "failure_status";
  if (error instanceof AttemptTimeout) return "timeout";
  if (error instanceof TransportError) return "unreachable";
  if ((error as { code?: unknown } | null)?.code === "EOPENBREAKER") return "circuit_open";
  return "error";
}

/**
 * Starts the CLIENT span of one try (`subgraph.try`), the child of the active span (the gateway's
 * `gateway.fetch`): each retry is a span of its own, and the subgraph's span is the child of the try
 * that reached it.
 */
export function startTry(tracing: Tracing, subgraph: string, replica: string, attempt: number): TrySpan {
  const parent = context.active();
  const span = tracing.tracer(ROUTER_SCOPE).startSpan(
    TRY_SPAN,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        "subgraph.name": subgraph,
        "subgraph.attempt": attempt,
        "http.request.method": "POST",
        "url.full": replica,
        ...(attempt > 1 ? { "http.request.resend_count": attempt - 1 } : {}),
      },
    },
    parent,
  );
  return {
    headers: tracing.outgoingHeaders(trace.setSpan(parent, span)),
    answered(reply) {
      span.setAttributes({ "http.response.status_code": reply.status, "subgraph.outcome": "ok" });
      span.end();
    },
    failed(error) {
      const outcome = outcomeOf(error);
      span.setAttribute("subgraph.outcome", outcome);
      if (error instanceof FailureStatus) span.setAttribute("http.response.status_code", error.reply.status);
      span.setAttribute("error.type", error instanceof FailureStatus ? String(error.reply.status) : outcome);
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
      span.end();
    },
  };
}
