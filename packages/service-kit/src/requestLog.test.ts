import { Agent, request as httpRequest } from "node:http";
import { Writable } from "node:stream";
import { ApolloServer, type BaseContext } from "@apollo/server";
import { ErrorCode } from "@supergraph/error-codes";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { REDACTED_FIELDS } from "./logger.js";
import { type CompletedRequest, createService, type EventStream } from "./service.js";
import { continueTrace, formatTraceparent } from "./traceContext.js";

/** A pino logger whose lines land in `lines`, parsed. */
function capturingLogger(level = "debug") {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const logger = pino({ level, redact: { paths: [...REDACTED_FIELDS], censor: "[redacted]" } }, sink);
  return { logger, lines };
}

async function start(events?: EventStream) {
  const { logger, lines } = capturingLogger();
  const done: CompletedRequest[] = [];
  const service = await createService<BaseContext>({
    name: "kit",
    logger,
    buildApollo: (base) =>
      new ApolloServer<BaseContext>({
        typeDefs: "type Query { hello(name: String): String }",
        resolvers: { Query: { hello: (_: unknown, { name }: { name?: string }) => `hi ${name ?? ""}` } },
        ...base,
      }),
    context: async ({ summary }) => {
      summary.subject = "7";
      return {};
    },
    onRequestDone: (request) => done.push(request),
    routes: [
      { path: "/text", handle: () => ({ status: 200, body: "plain\n", contentType: "text/plain; version=0.0.4" }) },
      ...(events ? [{ path: "/events", handle: () => ({ events }) }] : []),
    ],
  });
  const { port } = await service.listen(0);
  return Object.assign(service, { origin: `http://127.0.0.1:${port}`, lines, done });
}

const requestLines = (lines: Record<string, unknown>[]) => lines.filter((line) => line.msg === "request");

describe("one log line per request", () => {
  it("names the operation, caller, status, outcome, request id and the caller's trace, never the variables", async () => {
    await using service = await start();
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const response = await fetch(`${service.origin}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent, "x-request-id": "abc-1" },
      body: JSON.stringify({
        query: "query Greet($name: String) { hello(name: $name) }",
        variables: { name: "s3cr3t-name" },
      }),
    });
    expect(response.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const [line] = requestLines(service.lines);
    expect(line).toMatchObject({
      level: 30,
      requestId: "abc-1",
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      method: "POST",
      route: "/graphql",
      status: 200,
      operationName: "Greet",
      subject: "7",
      outcome: "success",
    });
    expect(typeof line?.durationMs).toBe("number");
    expect(JSON.stringify(service.lines)).not.toContain("s3cr3t-name");
    expect(service.done[0]).toMatchObject({ route: "/graphql", operationName: "Greet", outcome: "success" });
    expect(service.done[0]?.trace.parentSpanId).toBe("00f067aa0ba902b7");
  });

  it("gives a refused request its code as the outcome, and logs the route, not the URL with its variables", async () => {
    await using service = await start();
    await fetch(`${service.origin}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{oops",
    });
    await fetch(`${service.origin}/graphql?query=%7Bhello%7D&variables=%7B%22name%22%3A%22leak-me%22%7D`);
    await fetch(`${service.origin}/nowhere?token=leak-me`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const lines = requestLines(service.lines);
    expect(lines.map((line) => [line.status, line.outcome, line.route])).toEqual([
      [400, ErrorCode.BAD_REQUEST, "/graphql"],
      [400, expect.any(String), "/graphql"],
      [404, ErrorCode.NOT_FOUND, "unmatched"],
    ]);
    expect(JSON.stringify(service.lines)).not.toContain("leak-me");
    expect(lines.every((line) => /^[0-9a-f]{32}$/.test(String(line.traceId)))).toBe(true);
  });

  it("redacts credentials and variables should a log call ever pass them", () => {
    const { logger, lines } = capturingLogger();
    logger.info({ headers: { authorization: "Bearer x" }, token: "t", request: { variables: { a: 1 } } }, "oops");
    expect(lines[0]).toMatchObject({
      headers: { authorization: "[redacted]" },
      token: "[redacted]",
      request: { variables: "[redacted]" },
    });
  });
});

describe("routes beyond JSON", () => {
  it("serves a text body with its content type", async () => {
    await using service = await start();
    const response = await fetch(`${service.origin}/text`);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4");
    expect(await response.text()).toBe("plain\n");
  });

  it("streams server-sent events, and ends open streams when the service drains", async () => {
    let aborted = false;
    const service = await start({
      start: (send, signal) => {
        send('{"n":1}', "snapshot");
        send("two\nlines");
        signal.addEventListener("abort", () => {
          aborted = true;
        });
      },
    });
    const response = await fetch(`${service.origin}/events`);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (!text.includes("data: lines\n\n")) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toBe('event: snapshot\ndata: {"n":1}\n\ndata: two\ndata: lines\n\n');
    const started = Date.now();
    await service.close();
    expect(aborted).toBe(true);
    expect((await reader.read()).done).toBe(true);
    // Not held open until the drain timeout (10 s): the stream ended at once.
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe("W3C trace context", () => {
  it("continues a well-formed traceparent with a new span of its own", () => {
    const trace = continueTrace("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
    expect(trace).toMatchObject({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      parentSpanId: "00f067aa0ba902b7",
      sampled: false,
    });
    expect(trace.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(formatTraceparent(trace, "0123456789abcdef")).toBe(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0123456789abcdef-00",
    );
  });

  it.each([
    ["absent", undefined],
    ["garbage", "hello"],
    ["an all-zero trace id", `00-${"0".repeat(32)}-00f067aa0ba902b7-01`],
    ["an all-zero parent id", `00-4bf92f3577b34da6a3ce929d0e0e4736-${"0".repeat(16)}-01`],
    ["version ff", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"],
    ["upper case", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01"],
    ["a version 00 with extra fields", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"],
  ])("starts a new trace when it is %s", (_case, header) => {
    const trace = continueTrace(header);
    expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(trace.traceId).not.toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(trace.parentSpanId).toBeUndefined();
  });

  it("accepts a later version's extra fields", () => {
    expect(continueTrace("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-more").traceId).toBe(
      "4bf92f3577b34da6a3ce929d0e0e4736",
    );
  });
});

/** A GET on `agent`'s connection; resolves with the status, or what went wrong (bounded: 5 s). */
function getOn(agent: Agent, port: number, path: string) {
  return new Promise<number | string>((resolve) => {
    const request = httpRequest({ host: "127.0.0.1", port, path, agent, timeout: 5000 }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    });
    request.on("timeout", () => request.destroy(new Error("no answer within 5 s")));
    request.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    request.end();
  });
}

describe("answers before the request has fully arrived", () => {
  it("still answer a client error later on the same keep-alive connection (a 431 after an early refusal)", async () => {
    const { logger } = capturingLogger();
    await using service = await createService<BaseContext>({
      name: "kit",
      logger,
      buildApollo: (base) => new ApolloServer<BaseContext>({ typeDefs: "type Query { a: Int }", ...base }),
      context: async () => ({}),
      admit: ({ headers }) =>
        headers["x-refuse"] ? { status: 401, code: ErrorCode.UNAUTHENTICATED, message: "no" } : undefined,
    });
    const { port } = await service.listen(0);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const refused = await new Promise<number>((resolve) => {
        const request = httpRequest(
          { host: "127.0.0.1", port, method: "POST", path: "/graphql", agent, headers: { "x-refuse": "1" } },
          (response) => {
            response.resume();
            response.on("end", () => resolve(response.statusCode ?? 0));
          },
        );
        request.setHeader("content-type", "application/json");
        // The refusal comes before the body: the answer is out while the request is still arriving.
        request.write(JSON.stringify({ query: `{ a } #${"x".repeat(200_000)}` }));
        setTimeout(() => request.end(), 50);
      });
      expect(refused).toBe(401);
      const second = await getOn(agent, port, `/graphql?query=${"a".repeat(100_000)}`);
      expect(second).toBe(431);
    } finally {
      agent.destroy();
    }
  });
});
