import { randomFillSync } from "node:crypto";

/**
 * Where a request sits in a distributed trace (W3C Trace Context): the trace it belongs to, the
 * span that stands for this service's handling of it, and the caller's span, if any.
 */
export interface TraceContext {
  /** 32 lowercase hex digits, shared by every service one client request reaches. */
  traceId: string;
  /** 16 hex digits: this service's span for the request (the parent of the calls it makes). */
  spanId: string;
  /** The caller's span, from its `traceparent`; undefined when this service started the trace. */
  parentSpanId?: string;
  /** The caller's sampling decision (trace-flags bit 0); true when this service started the trace. */
  sampled: boolean;
}

export const TRACEPARENT_HEADER = "traceparent";

// version-traceid-parentid-flags; a future version may append fields after a dash (W3C §3.2.4).
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const INVALID_TRACE_ID = "0".repeat(32);
const INVALID_SPAN_ID = "0".repeat(16);

/**
 * Random bytes for ids, drawn from a pool refilled 4 KB at a time: one call into the CSPRNG per
 * ~170 trace ids instead of one or two per request (each call costs far more than the bytes).
 */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let taken = POOL_SIZE;
function randomHex(bytes: number): string {
  if (taken + bytes > POOL_SIZE) {
    randomFillSync(pool);
    taken = 0;
  }
  const hex = pool.toString("hex", taken, taken + bytes);
  taken += bytes;
  return hex;
}

/** A new random span id (8 bytes, hex). */
export const newSpanId = (): string => randomHex(8);
/** A new random trace id (16 bytes, hex). */
export const newTraceId = (): string => randomHex(16);

/**
 * The trace context of an incoming request: the caller's trace continued when its `traceparent`
 * header is well-formed (W3C Trace Context), a new trace otherwise. Either way this service's own
 * span gets a fresh id.
 */
export function continueTrace(traceparent: string | string[] | undefined): TraceContext {
  const match = typeof traceparent === "string" ? TRACEPARENT.exec(traceparent.trim()) : null;
  if (match) {
    const [, version, traceId, parentSpanId, flags, rest] = match as unknown as [
      string,
      string,
      string,
      string,
      string,
      string | undefined,
    ];
    const valid =
      version !== "ff" &&
      (version !== "00" || rest === undefined) &&
      traceId !== INVALID_TRACE_ID &&
      parentSpanId !== INVALID_SPAN_ID;
    if (valid) {
      return { traceId, spanId: newSpanId(), parentSpanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
    }
  }
  return { traceId: newTraceId(), spanId: newSpanId(), sampled: true };
}

/** The `traceparent` header value a call made on behalf of `trace` carries, with `spanId` as its parent. */
export function formatTraceparent(trace: Pick<TraceContext, "traceId" | "sampled">, spanId: string): string {
  return `00-${trace.traceId}-${spanId}-${trace.sampled ? "01" : "00"}`;
}
