import { type Span, SpanKind, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import type { Tracing } from "@supergraph/service-kit";
import { wrapStoreMethods } from "./wrapStoreMethods.js";

/** The instrumentation scope of the spans the subgraph kit makes (resolvers, store calls). */
export const SUBGRAPH_KIT_SCOPE = "@supergraph/subgraph-kit";

const isPromise = (value: unknown): value is Promise<unknown> =>
  typeof (value as { then?: unknown } | null)?.then === "function";

/** Ends `span` when `run`'s result settles (at once when it is no promise), marking a failure as an error. */
export function endWhenSettled<T>(span: Span, run: () => T): T {
  const fail = (error: unknown) => {
    span.setAttribute("error.type", (error as Error | null)?.name ?? "Error");
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error | null)?.message });
    span.end();
  };
  let result: T;
  try {
    result = run();
  } catch (error) {
    fail(error);
    throw error;
  }
  if (!isPromise(result)) {
    span.end();
    return result;
  }
  return result.then(
    (value) => {
      span.end();
      return value;
    },
    (error: unknown) => {
      fail(error);
      throw error;
    },
  ) as T;
}

/** A store method that runs in a CLIENT span of its own (`UserStore.findByIds`), the child of the active span. */
function traced(
  tracer: Tracer,
  store: object,
  storeName: string,
  method: string,
  call: (...args: unknown[]) => unknown,
) {
  const name = `${storeName}.${method}`;
  const attributes = { "db.system.name": "sqlite", "db.operation.name": method, "code.function.name": name };
  return (...args: unknown[]) =>
    tracer.startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, (span) =>
      endWhenSettled(span, () => call.apply(store, args)),
    );
}

/**
 * The store as the resolvers of a traced subgraph get it: each call of one of its methods is a span
 * (its database queries included), so a trace shows which store calls a request made and what they
 * took. Only the outer call is a span: a method the store calls on itself is part of it.
 */
export function traceStore<TStore>(store: TStore, tracing: Tracing): TStore {
  if (typeof store !== "object" || store === null) return store;
  const tracer = tracing.tracer(SUBGRAPH_KIT_SCOPE);
  const storeName = (store as { constructor?: { name?: unknown } }).constructor?.name;
  const label = typeof storeName === "string" && storeName !== "" && storeName !== "Object" ? storeName : "store";
  return wrapStoreMethods(store, (target, method, call) => traced(tracer, target, label, method, call));
}
