import { once } from "node:events";
import { type AddressInfo, connect, createServer as createNetServer } from "node:net";
import { Writable } from "node:stream";
import { ApolloServer, type BaseContext } from "@apollo/server";
import { ErrorCode } from "@supergraph/error-codes";
import { GraphQLError } from "graphql";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { NotFoundError } from "./errors.js";
import { createLogger } from "./logger.js";
import { createService, type ServiceOptions } from "./service.js";

const logger = createLogger({ service: "kit-test", level: "silent" });

interface Context extends BaseContext {
  caller: string | undefined;
}

/** A service over a small schema whose resolvers fail in each way a real one can. */
async function start(options: Partial<ServiceOptions<Context>> = {}) {
  const service = await createService<Context>({
    ...options,
    name: "kit",
    logger: options.logger ?? logger,
    buildApollo: (base) =>
      new ApolloServer<Context>({
        typeDefs: `type Query { hello: String, caller: String, missing: String, crash: String, alien: String }
                   type Mutation { touch: Boolean }`,
        resolvers: {
          Query: {
            hello: () => "world",
            caller: (_: unknown, __: unknown, context: Context) => context.caller,
            missing: () => {
              throw new NotFoundError("Thing", "7");
            },
            crash: () => {
              throw new Error("select * from secrets: connection refused");
            },
            alien: () => {
              throw new GraphQLError("shaped like ours", { extensions: { code: "NOT_IN_THE_CONTRACT" } });
            },
          },
          Mutation: { touch: () => true },
        },
        ...base,
      }),
    context: async ({ headers, locals }) => ({
      caller: (locals.get("caller") as string | undefined) ?? (headers["x-caller"] as string | undefined),
    }),
    checks: options.checks ?? [{ name: "always", check: async () => {} }],
    routes: [
      { path: "/report", handle: () => ({ status: 207, json: { fine: true } }) },
      { path: "/internal-report", internal: true, handle: () => ({ status: 200, json: { internal: true } }) },
      {
        path: "/",
        handle: ({ accepts }) =>
          accepts(["application/json", "text/html"]) === "text/html" ? { redirect: "/graphql" } : undefined,
      },
    ],
  });
  const { port } = await service.listen(0);
  const origin = `http://127.0.0.1:${port}`;
  return Object.assign(service, { origin });
}

const post = (origin: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${origin}/graphql`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });

describe("the kit's HTTP service", () => {
  it("serves GraphQL, with a context built from the request's headers", async () => {
    await using service = await start();
    const response = await post(service.origin, JSON.stringify({ query: "{ hello caller }" }), { "x-caller": "ada" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { hello: "world", caller: "ada" } });
  });

  it("gives domain errors their code, passes the contract's codes, and masks everything else", async () => {
    await using service = await start();
    const response = await post(service.origin, JSON.stringify({ query: "{ missing crash alien }" }), {
      "x-request-id": "req-1",
    });
    expect(response.headers.get("x-request-id")).toBe("req-1");
    const body = (await response.json()) as { data: unknown; errors: unknown[] };
    expect(body.data).toEqual({ missing: null, crash: null, alien: null });
    expect(body.errors).toEqual([
      {
        message: 'Thing "7" does not exist.',
        locations: expect.any(Array),
        path: ["missing"],
        extensions: { code: ErrorCode.NOT_FOUND, entity: "Thing", id: "7" },
      },
      {
        message: "Internal server error.",
        locations: expect.any(Array),
        path: ["crash"],
        extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, requestId: "req-1" },
      },
      {
        message: "Internal server error.",
        locations: expect.any(Array),
        path: ["alien"],
        extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, requestId: "req-1" },
      },
    ]);
    const invalid = (await (await post(service.origin, JSON.stringify({ query: "{ nope }" }))).json()) as {
      errors: { extensions: unknown }[];
    };
    expect(invalid.errors[0]?.extensions).toEqual({ code: ErrorCode.GRAPHQL_VALIDATION_FAILED });
  });

  it("logs each masked error's cause with the request id the client was given", async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    await using service = await start({ logger: pino({ level: "info" }, sink) });
    // No x-request-id sent: the service makes one, answers with it and quotes it in masked errors.
    const response = await post(service.origin, JSON.stringify({ query: "{ crash alien }" }));
    const requestId = response.headers.get("x-request-id");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await response.json()) as { errors: { extensions: { requestId?: string } }[] };
    expect(body.errors.map((error) => error.extensions.requestId)).toEqual([requestId, requestId]);
    const causes = lines.filter((line) => line.msg === "unexpected error while resolving");
    expect(causes.map((line) => [line.requestId, line.path])).toEqual([
      [requestId, ["crash"]],
      [requestId, ["alien"]],
    ]);
    expect(JSON.stringify(causes)).toContain("select * from secrets");
  });

  it.each([
    ["malformed JSON", "{not json", 400, ErrorCode.BAD_REQUEST],
    [
      "a body over 1 MB",
      JSON.stringify({ query: `{ hello } #${"x".repeat(1024 * 1024)}` }),
      413,
      ErrorCode.PAYLOAD_TOO_LARGE,
    ],
    [
      "a batch (batching is off)",
      JSON.stringify([{ query: "{ hello }" }, { query: "{ hello }" }]),
      400,
      ErrorCode.BAD_REQUEST,
    ],
  ])("refuses %s with HTTP %i and %s, then keeps serving", async (_what, body, status, code) => {
    await using service = await start();
    const response = await post(service.origin, body);
    expect(response.status).toBe(status);
    const json = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(json.errors[0]?.extensions.code).toBe(code);
    expect(await (await post(service.origin, JSON.stringify({ query: "{ hello }" }))).json()).toEqual({
      data: { hello: "world" },
    });
  });

  it("refuses a compressed body with 415 rather than misreading it", async () => {
    await using service = await start();
    const response = await post(service.origin, JSON.stringify({ query: "{ hello }" }), { "content-encoding": "gzip" });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
      ErrorCode.BAD_REQUEST,
    );
  });

  it("cuts a slow client off with 408 once requestTimeoutMs has passed: slow headers, a body that stops, a trickled body", async () => {
    await using service = await start({ requestTimeoutMs: 1000 });
    const { port } = new URL(service.origin);
    const head = (length: number, extra = "") =>
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}`;
    /** Writes `parts` `intervalMs` apart until the server answers or closes; what came back, and when. */
    const slowly = (parts: string[], intervalMs: number) =>
      new Promise<{ answer: string; ms: number }>((resolve) => {
        const started = Date.now();
        const socket = connect(Number(port), "127.0.0.1");
        let answer = "";
        const timer = setInterval(() => {
          const part = parts.shift();
          if (part !== undefined && socket.writable) socket.write(part);
        }, intervalMs);
        const done = () => {
          clearInterval(timer);
          clearTimeout(deadline);
          socket.destroy();
          resolve({ answer, ms: Date.now() - started });
        };
        const deadline = setTimeout(done, 10_000);
        socket.on("data", (chunk) => {
          answer += chunk;
        });
        socket.on("close", done);
        socket.on("error", () => {});
      });
    const body = JSON.stringify({ query: "{ hello }" });
    const [headers, stopped, trickled] = await Promise.all([
      slowly(head(body.length, `X-Slow: ${"x".repeat(100)}`).match(/.{1,2}/gs) ?? [], 100),
      slowly([`${head(1000)}\r\n`, '{"query": "{ hel'], 50),
      slowly([`${head(body.length)}\r\n`, ...body.split("")], 300),
    ]);
    for (const { answer, ms } of [headers, stopped, trickled]) {
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toContain(`"code":"${ErrorCode.BAD_REQUEST}"`);
      // The deadline, checked every half second here: well before the 10 s this test waits.
      expect(ms).toBeLessThan(5000);
    }
    // A request sent in time is still answered.
    expect(await (await post(service.origin, body)).json()).toEqual({ data: { hello: "world" } });
  });

  it("refuses mutations sent with GET or as text/plain (CSRF prevention)", async () => {
    await using service = await start();
    const viaGet = await fetch(`${service.origin}/graphql?query=${encodeURIComponent("mutation { touch }")}`, {
      headers: { "apollo-require-preflight": "true" },
    });
    expect(viaGet.status).toBe(405);
    const plain = await fetch(`${service.origin}/graphql`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ query: "mutation { touch }" }),
    });
    expect(plain.status).toBe(400);
    expect(await plain.text()).toMatch(/Cross-Site Request Forgery/);
  });

  it("answers /health, its extra routes, and a JSON 404 elsewhere", async () => {
    await using service = await start();
    const health = await fetch(`${service.origin}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", service: "kit", checks: { always: { status: "ok" } } });
    const report = await fetch(`${service.origin}/report`);
    expect([report.status, await report.json()]).toEqual([207, { fine: true }]);
    const browser = await fetch(`${service.origin}/`, { headers: { accept: "text/html" }, redirect: "manual" });
    expect([browser.status, browser.headers.get("location")]).toEqual([302, "/graphql"]);
    for (const path of ["/", "/nowhere"]) {
      const missing = await fetch(`${service.origin}${path}`, { headers: { accept: "application/json" } });
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({
        errors: [
          { message: "No such route. GraphQL is served at /graphql.", extensions: { code: ErrorCode.NOT_FOUND } },
        ],
      });
    }
  });

  it("keeps liveness apart from readiness: /live ignores the checks, /ready fails with them and once shutdown began", async () => {
    let database = true;
    await using service = await start({
      readiness: true,
      checks: [
        {
          name: "database",
          check: async () => {
            if (!database) throw new Error("connect ECONNREFUSED");
          },
        },
      ],
      classifyError: (error) =>
        error instanceof Error && error.message.includes("connection refused")
          ? new NotFoundError("Thing", "db")
          : undefined,
    });
    const status = async (path: string) => (await fetch(`${service.origin}${path}`)).status;
    expect([await status("/live"), await status("/ready"), await status("/health")]).toEqual([200, 200, 200]);
    database = false;
    expect([await status("/live"), await status("/ready"), await status("/health")]).toEqual([200, 503, 503]);
    const ready = await fetch(`${service.origin}/ready`);
    expect(await ready.json()).toMatchObject({ status: "not_ready", checks: { database: { status: "fail" } } });
    // classifyError gives a failure that no resolver coded a code of its own, instead of masking it.
    const crash = await post(service.origin, JSON.stringify({ query: "{ crash }" }));
    const { errors } = (await crash.json()) as { errors: { extensions: { code: string } }[] };
    expect(errors[0]?.extensions.code).toBe(ErrorCode.NOT_FOUND);
    database = true;
    const closing = service.close();
    expect(await status("/ready").catch(() => 503)).toBe(503);
    await closing;
  });

  it("serves /ready only when asked to (the router serves a readiness of its own)", async () => {
    await using service = await start();
    expect((await fetch(`${service.origin}/live`)).status).toBe(200);
    expect((await fetch(`${service.origin}/ready`, { headers: { accept: "application/json" } })).status).toBe(404);
  });

  it("gives each request an id: the caller's when well-formed, else a new one", async () => {
    await using service = await start();
    const fresh = await post(service.origin, JSON.stringify({ query: "{ hello }" }), {
      "x-request-id": "bad id\twith tab",
    });
    expect(fresh.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const other = await post(service.origin, JSON.stringify({ query: "{ hello }" }));
    expect(other.headers.get("x-request-id")).not.toBe(fresh.headers.get("x-request-id"));
  });

  it("admits or refuses each GraphQL request before its body is read, passing values to the context", async () => {
    const seen: string[] = [];
    await using service = await start({
      admit: ({ headers, locals, ip }) => {
        seen.push(ip);
        if (headers["x-let-me-in"] !== "yes") {
          return { status: 429, code: ErrorCode.RATE_LIMITED, message: "Slow down.", headers: { "retry-after": "7" } };
        }
        locals.set("caller", "admitted");
        return undefined;
      },
    });
    const refused = await post(service.origin, JSON.stringify({ query: "{ caller }" }));
    expect([refused.status, refused.headers.get("retry-after")]).toEqual([429, "7"]);
    expect(await refused.json()).toEqual({
      errors: [{ message: "Slow down.", extensions: { code: ErrorCode.RATE_LIMITED } }],
    });
    const admitted = await post(service.origin, JSON.stringify({ query: "{ caller }" }), { "x-let-me-in": "yes" });
    expect(await admitted.json()).toEqual({ data: { caller: "admitted" } });
    expect(seen).toEqual(["127.0.0.1", "127.0.0.1"]);
    expect((await fetch(`${service.origin}/health`)).status).toBe(200);
  });

  it("checks each GraphQL request over its raw body before Apollo Server sees it", async () => {
    const bodies: string[] = [];
    await using service = await start({
      verifyRequest: ({ method, body }) => {
        bodies.push(body);
        return method === "POST" && body.includes("hello")
          ? undefined
          : { status: 401, code: ErrorCode.SIGNATURE_INVALID, message: "Not signed." };
      },
    });
    const raw = '{ "query" : "{ hello }" }';
    expect(await (await post(service.origin, raw)).json()).toEqual({ data: { hello: "world" } });
    const refused = await post(service.origin, JSON.stringify({ query: "{ caller }" }));
    expect(refused.status).toBe(401);
    expect(bodies[0]).toBe(raw);
    const viaGet = await fetch(`${service.origin}/graphql?query=${encodeURIComponent("{ hello }")}`, {
      headers: { "apollo-require-preflight": "true" },
    });
    expect(viaGet.status).toBe(401);
  });

  it("serves internal routes only on the internal listener when it has one", async () => {
    const probe = createNetServer().listen(0, "127.0.0.1");
    await once(probe, "listening");
    const internalPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    await using service = await start({ internal: { port: internalPort } });
    expect((await fetch(`${service.origin}/report`)).status).toBe(207);
    expect((await fetch(`${service.origin}/internal-report`)).status).toBe(404);
    const internal = await fetch(`http://127.0.0.1:${internalPort}/internal-report`);
    expect([internal.status, await internal.json()]).toEqual([200, { internal: true }]);
    expect((await fetch(`http://127.0.0.1:${internalPort}/graphql`)).status).toBe(404);
  });

  it("answers CORS preflights for the allowed origins only", async () => {
    await using service = await start({ corsOrigins: ["https://app.example.com", /^https:\/\/[a-z]+\.example\.org$/] });
    const preflight = (origin: string) =>
      fetch(`${service.origin}/graphql`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization" },
      });
    for (const origin of ["https://app.example.com", "https://shop.example.org"]) {
      expect((await preflight(origin)).headers.get("access-control-allow-origin")).toBe(origin);
    }
    expect((await preflight("https://evil.example.net")).headers.get("access-control-allow-origin")).toBeNull();
  });

  it("closes once (closing again is a no-op) and stops listening", async () => {
    const service = await start();
    await service.close();
    await service.close();
    expect(service.httpServer.listening).toBe(false);
    await expect(fetch(`${service.origin}/health`)).rejects.toThrow();
  });
});
