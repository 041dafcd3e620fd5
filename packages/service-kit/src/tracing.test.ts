import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer, type BaseContext } from "@apollo/server";
import { context, createContextKey, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { ErrorCode } from "@supergraph/error-codes";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "./config.js";
import { NotFoundError } from "./errors.js";
import { createLogger } from "./logger.js";
import { type CompletedRequest, createService, type ServiceOptions } from "./service.js";
import { InMemorySpanExporter, type ReadableSpan, readTracingConfig, startTracing, type Tracing } from "./tracing.js";

const logger = createLogger({ service: "kit-test", level: "silent" });

const CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CLIENT_SPAN = "00f067aa0ba902b7";

/** Whether a context manager is registered: without one, `context.with` changes nothing. */
function contextManagerRegistered(): boolean {
  const key = createContextKey("probe");
  return context.with(context.active().setValue(key, true), () => context.active().getValue(key) === true);
}

const started: Tracing[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((tracing) => tracing.shutdown()));
});

function traced(global = false) {
  const exporter = new InMemorySpanExporter();
  const tracing = startTracing({ serviceName: "kit", exporter, global });
  started.push(tracing);
  return { exporter, tracing };
}

/** A service whose every finished request is handed to `done` (its span has ended by then). */
async function start(options: Partial<ServiceOptions<BaseContext>> = {}) {
  const finished: CompletedRequest[] = [];
  const waiters: (() => void)[] = [];
  const activeSpans: (string | undefined)[] = [];
  const service = await createService<BaseContext>({
    name: "kit",
    logger,
    buildApollo: (base) =>
      new ApolloServer<BaseContext>({
        typeDefs: "type Query { hello: String, missing: String }",
        resolvers: {
          Query: {
            hello: () => {
              activeSpans.push(trace.getActiveSpan()?.spanContext().spanId);
              return "world";
            },
            missing: () => {
              throw new NotFoundError("Thing", "7");
            },
          },
        },
        ...base,
      }),
    context: async () => ({}),
    onRequestDone: (done) => {
      finished.push(done);
      waiters.shift()?.();
    },
    ...options,
  });
  const { port } = await service.listen(0);
  const origin = `http://127.0.0.1:${port}`;
  /** Sends a request and waits until the service has finished it (logged, counted, its span ended). */
  const send = async (path: string, init: RequestInit = {}) => {
    const done = new Promise<void>((resolve) => waiters.push(resolve));
    const response = await fetch(`${origin}${path}`, init);
    const body = await response.text();
    await done;
    return { status: response.status, body, done: finished.at(-1) as CompletedRequest };
  };
  const post = (query: string, headers: Record<string, string> = {}) =>
    send("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ query }),
    });
  return Object.assign(service, { send, post, activeSpans });
}

const serverSpans = (exporter: InMemorySpanExporter) =>
  exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER);
const childrenOf = (exporter: InMemorySpanExporter, parent: ReadableSpan) =>
  exporter.getFinishedSpans().filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId);

describe("tracing in the service kit", () => {
  it("continues the caller's traceparent with one SERVER span per GraphQL request, whose ids are the request's trace", async () => {
    const { exporter, tracing } = traced();
    await using service = await start({ tracing });
    const { status, done } = await service.post("query Hello { hello }", {
      traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`,
      "x-request-id": "req-42",
    });
    expect(status).toBe(200);
    const [span, ...others] = serverSpans(exporter);
    expect(others).toEqual([]);
    expect(span?.name).toBe("POST /graphql");
    expect(span?.resource.attributes["service.name"]).toBe("kit");
    expect(span?.spanContext().traceId).toBe(CLIENT_TRACE);
    expect(span?.parentSpanContext?.spanId).toBe(CLIENT_SPAN);
    expect(span?.attributes).toMatchObject({
      "http.request.method": "POST",
      "http.route": "/graphql",
      "http.response.status_code": 200,
      "http.request.header.x-request-id": ["req-42"],
      "graphql.operation.name": "Hello",
    });
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    // What the log line and onRequestDone report is the exported span itself.
    expect(done.trace).toEqual({
      traceId: CLIENT_TRACE,
      spanId: span?.spanContext().spanId,
      parentSpanId: CLIENT_SPAN,
      sampled: true,
    });
    // The resolver ran in the span's context; parsing and validating are its children.
    expect(service.activeSpans).toEqual([span?.spanContext().spanId]);
    if (!span) throw new Error("no server span");
    expect(
      childrenOf(exporter, span)
        .map((child) => child.name)
        .sort(),
    ).toEqual(["graphql.parse", "graphql.validate"]);
  });

  it("starts a new trace when the traceparent is missing or malformed, and follows a caller's 'not sampled'", async () => {
    const { exporter, tracing } = traced();
    await using service = await start({ tracing });
    for (const traceparent of [undefined, "00-zz-nonsense", `00-${"0".repeat(32)}-${CLIENT_SPAN}-01`]) {
      exporter.reset();
      const { done } = await service.post("{ hello }", traceparent ? { traceparent } : {});
      const [span] = serverSpans(exporter);
      expect(span?.parentSpanContext).toBeUndefined();
      expect(span?.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(span?.spanContext().traceId).not.toBe("0".repeat(32));
      expect(done.trace).toEqual({
        traceId: span?.spanContext().traceId,
        spanId: span?.spanContext().spanId,
        sampled: true,
      });
    }
    exporter.reset();
    const { status, done } = await service.post("{ hello }", { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-00` });
    expect(status).toBe(200);
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(done.trace).toMatchObject({ traceId: CLIENT_TRACE, parentSpanId: CLIENT_SPAN, sampled: false });
  });

  it("marks refused requests and coded GraphQL errors as errors, with the outcome as error.type", async () => {
    const { exporter, tracing } = traced();
    await using service = await start({
      tracing,
      admit: ({ headers }) =>
        headers["x-let-me-in"] === "yes"
          ? undefined
          : { status: 401, code: ErrorCode.UNAUTHENTICATED, message: "Who are you?" },
    });
    await service.post("{ hello }");
    await service.post("{ missing }", { "x-let-me-in": "yes" });
    const [refused, failed] = serverSpans(exporter);
    expect(refused?.attributes).toMatchObject({ "http.response.status_code": 401, "error.type": "UNAUTHENTICATED" });
    expect(refused?.status).toEqual({ code: SpanStatusCode.ERROR, message: "UNAUTHENTICATED" });
    expect(failed?.attributes).toMatchObject({ "http.response.status_code": 200, "error.type": "NOT_FOUND" });
    expect(failed?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it("traces GraphQL requests only: health and other routes make no span", async () => {
    const { exporter, tracing } = traced();
    await using service = await start({
      tracing,
      routes: [{ path: "/report", handle: () => ({ status: 200, json: { fine: true } }) }],
    });
    expect((await service.send("/health")).status).toBe(200);
    expect((await service.send("/report")).status).toBe(200);
    expect((await service.send("/nowhere")).status).toBe(404);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it("without tracing, registers nothing and keeps the request's trace from its traceparent", async () => {
    await using service = await start();
    const { done } = await service.post("{ hello }", { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01` });
    expect(done.trace).toMatchObject({ traceId: CLIENT_TRACE, parentSpanId: CLIENT_SPAN, sampled: true });
    expect(service.activeSpans).toEqual([undefined]);
    expect(contextManagerRegistered()).toBe(false);
    expect(trace.getTracer("anyone").startSpan("probe").isRecording()).toBe(false);
  });

  it("global tracing receives the spans of libraries that trace through @opentelemetry/api, until it shuts down", async () => {
    const { exporter, tracing } = traced(true);
    expect(() => startTracing({ serviceName: "second", exporter, global: true })).toThrow(/already registered/);
    trace.getTracer("some-library").startActiveSpan("library work", (span) => span.end());
    expect(exporter.getFinishedSpans().map((span) => [span.name, span.resource.attributes["service.name"]])).toEqual([
      ["library work", "kit"],
    ]);
    expect(contextManagerRegistered()).toBe(true);
    await tracing.shutdown();
    expect(trace.getTracer("some-library").startSpan("after").isRecording()).toBe(false);
    expect(contextManagerRegistered()).toBe(false);
  });

  it("posts spans as OTLP/HTTP JSON to the endpoint, and flushes them on shutdown", async () => {
    const received: { contentType: string | undefined; body: string }[] = [];
    const collector = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        received.push({ contentType: request.headers["content-type"], body: Buffer.concat(chunks).toString("utf8") });
        response.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    collector.listen(0, "127.0.0.1");
    await once(collector, "listening");
    try {
      const { port } = collector.address() as AddressInfo;
      const tracing = startTracing({
        serviceName: "exported",
        endpoint: `http://127.0.0.1:${port}/v1/traces`,
        global: false,
      });
      tracing.tracer("test").startSpan("sent later").end();
      expect(received).toEqual([]); // batched, not sent span by span
      await tracing.shutdown();
      expect(received).toHaveLength(1);
      expect(received[0]?.contentType).toBe("application/json");
      const body = JSON.parse(received[0]?.body ?? "{}");
      expect(body.resourceSpans[0].resource.attributes).toContainEqual({
        key: "service.name",
        value: { stringValue: "exported" },
      });
      expect(body.resourceSpans[0].scopeSpans[0].spans[0].name).toBe("sent later");
    } finally {
      collector.close();
    }
  });
});

describe("readTracingConfig", () => {
  it("is off unless an OTLP endpoint is set", () => {
    expect(readTracingConfig({}, "users")).toBeUndefined();
    expect(readTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "  " }, "users")).toBeUndefined();
    expect(
      readTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_SDK_DISABLED: "true" }, "users"),
    ).toBeUndefined();
  });

  it("appends /v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT; OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as is", () => {
    expect(readTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" }, "users")).toEqual({
      serviceName: "users",
      endpoint: "http://collector:4318/v1/traces",
      sampleRatio: 1,
    });
    expect(
      readTracingConfig(
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://traces.example/otlp",
          OTEL_SERVICE_NAME: "users-eu",
          OTEL_TRACES_SAMPLER_ARG: "0.25",
        },
        "users",
      ),
    ).toEqual({ serviceName: "users-eu", endpoint: "https://traces.example/otlp", sampleRatio: 0.25 });
  });

  it.each([
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" }, "OTEL_EXPORTER_OTLP_ENDPOINT"],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "ftp://collector" }, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_TRACES_SAMPLER_ARG: "2" }, "OTEL_TRACES_SAMPLER_ARG"],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_TRACES_SAMPLER_ARG: "half" }, "OTEL_TRACES_SAMPLER_ARG"],
  ])("refuses a bad value, naming its variable: %j", (source, variable) => {
    expect(() => readTracingConfig(source, "users")).toThrow(ConfigError);
    expect(() => readTracingConfig(source, "users")).toThrow(new RegExp(`${variable}:`));
  });
});
