import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ApolloServer, ApolloServerPlugin, BaseContext } from "@apollo/server";
import fastifyCors from "@fastify/cors";
import { ErrorCode } from "@supergraph/error-codes";
import accepts from "accepts";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { GraphQLFormattedError } from "graphql";
import type { Logger } from "pino";
import { createErrorFormatter, type DomainError, rememberRequestId } from "./errors.js";
import { EventStreams } from "./eventStreams.js";
import { graphqlHandler, type InflightSharing } from "./graphqlHandler.js";
import { type HealthCheck, healthReport } from "./health.js";
import { lingeringClientError, lingerOnClose } from "./lingeringClose.js";
import type { ServiceMetrics } from "./metrics.js";
import { serverSpans } from "./serverSpans.js";
import { continueTrace, type TraceContext } from "./traceContext.js";
import type { Tracing } from "./tracing.js";

/** What every ApolloServer built by a service must include; spread it into the constructor options. */
export interface ApolloBaseOptions {
  plugins: ApolloServerPlugin<BaseContext>[];
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  includeStacktraceInErrorResponses: false;
  logger: Logger;
  /** `runService` handles SIGTERM/SIGINT; Apollo's own handler would re-raise the signal mid-shutdown. */
  stopOnTerminationSignals: false;
}

/** What a route handler, `admit`, and the GraphQL context builder see of a request. */
export interface RouteRequest {
  headers: IncomingHttpHeaders;
  /** Content negotiation: the first of `types` the client's Accept header prefers, or false if none. */
  accepts(types: string[]): string | false;
  /** The client's address: the connection's peer, or behind `trustProxy`, the X-Forwarded-For entry the proxies vouch for. */
  ip: string;
  /** The request's id: the caller's `x-request-id` when well-formed, else a new UUID. Echoed as `x-request-id`, logged, and quoted by masked errors. */
  requestId: string;
  /** Per-request values one step leaves for the next (e.g. `admit` for the context builder). */
  locals: Map<string, unknown>;
  /** The request's place in a distributed trace: the caller's `traceparent` continued, or a new trace. */
  trace: TraceContext;
  /** What the request came to, filled in as it runs (operation, caller, outcome): its log line and metrics read it. */
  summary: RequestSummary;
}

/** What one request came to, as far as its steps tell: never a token, a variable or a query text. */
export interface RequestSummary {
  /** The GraphQL operation's name, once Apollo Server resolved it (undefined: anonymous or none). */
  operationName?: string;
  /** The caller's user id (a token's subject), when one was verified or vouched for. */
  subject?: string;
  /** `success`, or the stable code the request was refused or failed with (the first error's). */
  outcome?: string;
}

/** A finished request, as the log line and `onRequestDone` see it. */
export interface CompletedRequest extends Required<Pick<RequestSummary, "outcome">>, Omit<RequestSummary, "outcome"> {
  /** The route's pattern (e.g. `/graphql`), or `unmatched`: never the URL, which can carry variables. */
  route: string;
  method: string;
  status: number;
  durationMs: number;
  requestId: string;
  trace: TraceContext;
  /** Served by the internal listener. */
  internal: boolean;
}

/** A request refused before GraphQL runs: answered with this status, headers and one coded error. */
export interface Refusal {
  status: number;
  code: ErrorCode;
  message: string;
  headers?: Record<string, string>;
}

/**
 * A stream of server-sent events: `start` runs once the response headers are out and calls `send`
 * for each event; `signal` aborts when the client goes away or the service starts draining (the
 * kit then ends the response), so open streams never hold up a shutdown.
 */
export interface EventStream {
  start: (send: (data: string, event?: string) => void, signal: AbortSignal) => void;
}

/**
 * A route's answer: JSON with a status, a text body of a given content type, a redirect, a stream
 * of server-sent events, or undefined to let the request fall through (to a 404).
 */
export type RouteResponse =
  | { status: number; json: unknown }
  | { status: number; body: string | Buffer; contentType: string; headers?: Record<string, string> }
  | { redirect: string }
  | { events: EventStream }
  | undefined;

/** An extra `GET` route served next to GraphQL and `/health` (e.g. a readiness report). */
export interface Route {
  path: string;
  /** Served only on the internal listener when the service has one (`internal`); else next to GraphQL. */
  internal?: boolean;
  handle: (request: RouteRequest) => RouteResponse | Promise<RouteResponse>;
}

export interface ServiceOptions<TContext extends BaseContext> {
  /** Service name, reported by `/health`. */
  name: string;
  logger: Logger;
  /** Builds the ApolloServer from the base options (drain plugin, error masking, logger). */
  buildApollo: (base: ApolloBaseOptions) => ApolloServer<TContext>;
  /** Builds the per-request context (e.g. fresh DataLoaders) from the request. */
  context: (request: RouteRequest) => Promise<TContext>;
  /**
   * Recognises failures that have a code of their own though no resolver raised a DomainError (a
   * subgraph's lost database connection); the rest are masked as INTERNAL_SERVER_ERROR. Default: none.
   */
  classifyError?: (error: unknown) => DomainError | undefined;
  /** Dependencies probed by `GET /health` (and `GET /ready` with `readiness`). Default: none. */
  checks?: HealthCheck[];
  /**
   * Serve `GET /ready`, readiness for a load balancer or an orchestrator: the checks' report, 503 when
   * one fails or once shutdown began. Default: false (a service with a readiness of its own, like the
   * router's, serves it as a route). `GET /live` (liveness: the process serves) is always there.
   */
  readiness?: boolean;
  /** Where GraphQL is served. Default: `/graphql`. */
  graphqlPath?: string;
  /** Largest accepted request body, in bytes; a larger one gets 413 PAYLOAD_TOO_LARGE. Default: 1 MiB. */
  bodyLimitBytes?: number;
  /** Time a health check may take before it counts as failed. Default: 2000 ms. */
  healthTimeoutMs?: number;
  /** Longest a client may take to send a whole request (headers and body); then 408 and the connection is closed. Default: 30000 ms. */
  requestTimeoutMs?: number;
  /** Longest wait for in-flight requests on shutdown; then their connections are cut. Default: 10000 ms. */
  drainTimeoutMs?: number;
  /** More `GET` routes, served next to GraphQL (e.g. `/ready`, a redirect from `/`). Default: none. */
  routes?: Route[];
  /** Runs after the HTTP server has drained, e.g. to close the database. */
  onClose?: () => Promise<void>;
  /**
   * Runs first for every GraphQL request, before its body is read (e.g. the router's token check
   * and rate limit); a Refusal is answered as is. Default: all admitted.
   */
  admit?: (request: RouteRequest) => Promise<Refusal | undefined> | Refusal | undefined;
  /**
   * Checks every GraphQL request over its raw body, after it is read and before Apollo Server sees
   * it (e.g. a subgraph's signature check); a Refusal is answered as is. Default: none.
   */
  verifyRequest?: (request: { method: string; headers: IncomingHttpHeaders; body: string }) => Refusal | undefined;
  /**
   * Identical in-flight GraphQL requests answered by one execution (see InflightSharing): the key
   * says which requests are the same. Admission and the request's log line still run for each.
   * Default: none (every request runs).
   */
  shareInflight?: InflightSharing;
  /** Which proxies' X-Forwarded-For to believe for `ip`: Fastify's `trustProxy` (addresses or CIDRs, or true for any). Default: none. */
  trustProxy?: boolean | string | string[];
  /** Browser origins allowed to call the service (CORS); strings match exactly, RegExps by pattern. Default: none (no CORS headers). */
  corsOrigins?: readonly (string | RegExp)[];
  /** A second listener for the `internal` routes (readiness, metrics), so they are not served to the public. Default: none. */
  internal?: { port: number; host?: string };
  /**
   * One structured log line per request (info for GraphQL and unknown routes, debug for the other
   * routes): request id, trace id, route, status, duration, operation, caller, outcome. Default: true.
   */
  logRequests?: boolean;
  /** Called once per finished request (both listeners), e.g. to count it in metrics. Default: none. */
  onRequestDone?: (request: CompletedRequest) => void;
  /**
   * Prometheus metrics (see ServiceMetrics): every finished request is counted in them, and
   * `GET /metrics` is served (internal: on the internal listener when there is one). Default: none
   * (no `/metrics`, nothing counted).
   */
  metrics?: ServiceMetrics;
  /**
   * OpenTelemetry tracing (see `startTracing`): each GraphQL request gets a SERVER span that
   * continues the caller's `traceparent`, its handler runs in that span's context, and
   * `RouteRequest.trace` holds the span's ids. Default: none (no spans, no context switching).
   */
  tracing?: Tracing;
}

export interface Service<TContext extends BaseContext> extends AsyncDisposable {
  /** The Node.js HTTP server the service answers on (listening once `listen` resolved). */
  readonly httpServer: Server;
  /** The internal listener (with `internal`), listening once `listen` resolved; else undefined. */
  readonly internalServer: Server | undefined;
  readonly apollo: ApolloServer<TContext>;
  /** The per-request context builder GraphQL requests get, for running operations in-process. */
  readonly context: (request: RouteRequest) => Promise<TContext>;
  /** The service's metrics (`metrics`), or undefined without them. */
  readonly metrics: ServiceMetrics | undefined;
  /**
   * Replaces how the GET route at `path` (one of `routes`, or `/metrics`) answers from now on, and
   * returns the handler it replaced (e.g. a cluster worker answering `/ready` for every worker,
   * from each worker's own answer). Throws when the service has no such route.
   */
  replaceRoute(path: string, handle: Route["handle"]): Route["handle"];
  /** Starts listening (and the internal listener, on its own port); resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Stops accepting, waits for in-flight requests (bounded), then runs `onClose`. Idempotent; also `await using`. */
  close(): Promise<void>;
}

const ONE_MIB = 1024 * 1024;

/** The JSON error body GraphQL clients understand, for failures before GraphQL runs. */
function httpError(reply: FastifyReply, status: number, code: ErrorCode, message: string): FastifyReply {
  const { routeRequest } = reply.request as WithRouteRequest;
  if (routeRequest) routeRequest.summary.outcome = code;
  return reply.code(status).send({ errors: [{ message, extensions: { code } }] });
}

function refuse(reply: FastifyReply, { status, code, message, headers = {} }: Refusal): FastifyReply {
  return httpError(reply.headers(headers), status, code, message);
}

/** The routeRequest a Fastify request carries (made in its onRequest hook). */
type WithRouteRequest = FastifyRequest & { routeRequest: RouteRequest | null };

/** A caller's request id is kept when it is short and plain; anything else is replaced. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;
const REQUEST_ID_HEADER = "x-request-id";

/**
 * Masked errors carry the request id, so a user can quote it and an operator find the logged cause
 * (the formatter's log line of each error names it: see `rememberRequestId`).
 */
const requestIdInMaskedErrors: ApolloServerPlugin<BaseContext> = {
  async requestDidStart({ request }) {
    const requestId = request.http?.headers.get(REQUEST_ID_HEADER);
    return {
      async didEncounterErrors({ errors }) {
        if (requestId) rememberRequestId(errors, requestId);
      },
      async willSendResponse({ response }) {
        if (!requestId || response.body.kind !== "single") return;
        const errors = response.body.singleResult.errors;
        if (!errors?.some((error) => error.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR)) return;
        response.body.singleResult.errors = errors.map((error) =>
          error.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR
            ? { ...error, extensions: { ...error.extensions, requestId } }
            : error,
        );
      },
    };
  },
};

/** Where a GraphQL context holds the request it was built for. */
const ROUTE_REQUEST = Symbol("routeRequest");

/** Fills in the request's summary from what Apollo Server learns: the operation's name and the outcome. */
function summaryPlugin(
  routeRequestOf: (context: BaseContext) => RouteRequest | undefined,
): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart({ contextValue }) {
      const summary = routeRequestOf(contextValue)?.summary;
      if (!summary) return;
      return {
        async didResolveOperation({ operationName }) {
          if (operationName) summary.operationName = operationName;
        },
        async willSendResponse({ response, operationName }) {
          if (operationName && !summary.operationName) summary.operationName = operationName;
          if (response.body.kind !== "single") return;
          const code = response.body.singleResult.errors?.[0]?.extensions?.code;
          summary.outcome =
            typeof code === "string"
              ? code
              : response.body.singleResult.errors
                ? ErrorCode.INTERNAL_SERVER_ERROR
                : "success";
        },
      };
    },
  };
}

const describeBytes = (bytes: number) =>
  bytes % ONE_MIB === 0 ? `${bytes / ONE_MIB} MB` : bytes % 1024 === 0 ? `${bytes / 1024} KB` : `${bytes} bytes`;

/**
 * Builds (but does not start listening) an HTTP service on Fastify: GraphQL at `graphqlPath` (Apollo
 * Server), `GET /health`, the extra `routes`, JSON errors with stable codes for requests that never
 * reach GraphQL (malformed JSON, too large, unknown route), and graceful shutdown. Services reach
 * the HTTP framework only through this kit. Tests import it; `runService` listens.
 */
export async function createService<TContext extends BaseContext>(
  options: ServiceOptions<TContext>,
): Promise<Service<TContext>> {
  const {
    name,
    logger,
    checks = [],
    graphqlPath = "/graphql",
    bodyLimitBytes = ONE_MIB,
    healthTimeoutMs = 2000,
    drainTimeoutMs = 10_000,
    requestTimeoutMs = 30_000,
  } = options;
  const fastify = Fastify({
    logger: false,
    clientErrorHandler: lingeringClientError,
    bodyLimit: bodyLimitBytes,
    // A client must send its whole request (headers and body) within this time: a slow-loris client
    // trickling bytes is cut off (408) instead of holding a connection forever. Given to Node's
    // server itself too: set only afterwards (as Fastify does), it leaves the headers' deadline at
    // Node's 60 s, which then also bounds a slow body. Checked every second (Node's default, 30 s,
    // would let a slow client hold a connection that much past its deadline).
    requestTimeout: requestTimeoutMs,
    http: {
      requestTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(requestTimeoutMs / 2))),
    },
    // Close idle keep-alive connections at once on shutdown; requests in flight finish.
    forceCloseConnections: "idle",
    routerOptions: { ignoreTrailingSlash: true },
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers[REQUEST_ID_HEADER];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  const internal = options.internal
    ? Fastify({
        logger: false,
        clientErrorHandler: lingeringClientError,
        forceCloseConnections: "idle",
        routerOptions: { ignoreTrailingSlash: true },
      })
    : undefined;
  const { logRequests = true, onRequestDone } = options;
  const countRequest = options.metrics?.requestObserver(graphqlPath);
  const spans = options.tracing ? serverSpans(options.tracing) : undefined;
  const inSpan = <T, Req extends object, A extends unknown[], R>(handler: (this: T, request: Req, ...rest: A) => R) =>
    spans ? spans.wrap(handler) : handler;

  // One per request: `admit`, the context builder, routes and the log line see the same one.
  const routeRequest = (request: FastifyRequest): RouteRequest => {
    const holder = request as WithRouteRequest;
    holder.routeRequest ??= {
      headers: request.headers,
      accepts: (types) => accepts(request.raw).type(types) as string | false,
      ip: request.ip,
      requestId: request.id,
      locals: new Map(),
      trace: continueTrace(request.headers.traceparent),
      summary: {},
    };
    return holder.routeRequest;
  };

  /** The request's log line and `onRequestDone`, once its response is sent. */
  const finished = (isInternal: boolean) => (request: FastifyRequest, reply: FastifyReply) => {
    const { summary, requestId, trace } = routeRequest(request);
    const route = request.routeOptions.url ?? "unmatched";
    const status = reply.statusCode;
    const done: CompletedRequest = {
      route,
      method: request.method,
      status,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
      requestId,
      trace,
      internal: isInternal,
      ...summary,
      outcome: summary.outcome ?? (status < 400 ? "success" : `HTTP_${status}`),
    };
    countRequest?.(done);
    spans?.end(request, done);
    onRequestDone?.(done);
    if (!logRequests) return;
    const main = !isInternal && (route === graphqlPath || route === "unmatched");
    const level = main ? "info" : "debug";
    if (!logger.isLevelEnabled(level)) return;
    logger[level](
      {
        requestId,
        traceId: trace.traceId,
        method: done.method,
        route,
        status,
        durationMs: done.durationMs,
        ...(done.operationName ? { operationName: done.operationName } : {}),
        ...(done.subject ? { subject: done.subject } : {}),
        outcome: done.outcome,
      },
      "request",
    );
  };

  fastify.decorateRequest("routeRequest", null);
  fastify.addHook("onRequest", async (request, reply) => {
    // Apollo's plugins read it from the headers; the caller reads it from the response.
    request.headers[REQUEST_ID_HEADER] = request.id;
    reply.header(REQUEST_ID_HEADER, request.id);
    routeRequest(request);
  });
  // Callback hooks, not async ones: no promise per request.
  const finishedMain = finished(false);
  fastify.addHook("onResponse", (request, reply, done) => {
    finishedMain(request, reply);
    done();
  });
  if (spans) fastify.addHook("onRequestAbort", async (request) => spans.abort(request));
  // Answered before the whole body arrived (413, a refusal): close gracefully, so the answer arrives.
  fastify.addHook("onSend", (request, _reply, payload, done) => {
    if (!request.raw.complete) lingerOnClose(request.raw.socket);
    done(null, payload);
  });
  if (internal) {
    internal.decorateRequest("routeRequest", null);
    const finishedInternal = finished(true);
    internal.addHook("onResponse", (request, reply, done) => {
      finishedInternal(request, reply);
      done();
    });
  }

  // Server-sent event streams in progress: ended when the service starts draining.
  const eventStreams = new EventStreams();
  if (options.corsOrigins) {
    await fastify.register(fastifyCors, {
      origin: [...options.corsOrigins],
      methods: ["GET", "POST", "OPTIONS"],
      maxAge: 600,
    });
  }

  // Draining is the first step of apollo.stop(): stop accepting, answer the requests in flight, and
  // cut whatever is still open after drainTimeoutMs.
  const drain: ApolloServerPlugin<BaseContext> = {
    async serverWillStart() {
      return {
        async drainServer() {
          eventStreams.endAll();
          const timer = setTimeout(() => fastify.server.closeAllConnections(), drainTimeoutMs);
          try {
            await fastify.close();
          } finally {
            clearTimeout(timer);
          }
        },
      };
    },
  };
  const apollo = options.buildApollo({
    plugins: [
      drain,
      requestIdInMaskedErrors,
      summaryPlugin((context) => (context as { [ROUTE_REQUEST]?: RouteRequest })[ROUTE_REQUEST]),
      ...(spans ? [spans.plugin] : []),
    ],
    formatError: createErrorFormatter(logger, options.classifyError),
    includeStacktraceInErrorResponses: false,
    logger,
    stopOnTerminationSignals: false,
  });
  await apollo.start();

  // JSON bodies are parsed here (an empty one as {}, so Apollo answers why it is not a request);
  // other media types reach Apollo unparsed, and its CSRF prevention refuses them.
  const parseJson = fastify.getDefaultJsonParser("error", "error");
  fastify.removeContentTypeParser("application/json");
  fastify.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    (request as FastifyRequest & { rawBody?: string }).rawBody = body as string;
    if (body === "") done(null, {});
    else parseJson(request, body as string, done);
  });
  fastify.addContentTypeParser("*", (_request, _payload, done) => done(null, undefined));

  fastify.get("/health", async (_request, reply) => {
    const report = await healthReport(name, checks, healthTimeoutMs, logger);
    return reply.code(report.status === "ok" ? 200 : 503).send(report);
  });
  // Liveness: the process serves requests. Never checks a dependency, so an orchestrator does not
  // restart every replica during a database outage (readiness takes them out of rotation instead).
  fastify.get("/live", async () => ({ status: "live", service: name }));
  if (options.readiness) {
    fastify.get("/ready", async (_request, reply) => {
      if (closing) return reply.code(503).send({ status: "not_ready", service: name, reason: "shutting down" });
      const report = await healthReport(name, checks, healthTimeoutMs, logger);
      return reply
        .code(report.status === "ok" ? 200 : 503)
        .send({ ...report, status: report.status === "ok" ? "ready" : "not_ready" });
    });
  }
  /** Each route's handler by path: `replaceRoute` swaps one. */
  const handlers = new Map<string, Route["handle"]>();
  for (const route of [...(options.routes ?? []), ...(options.metrics ? [options.metrics.route] : [])]) {
    handlers.set(route.path, route.handle);
    const host: FastifyInstance = route.internal && internal ? internal : fastify;
    host.get(route.path, async (request, reply) => {
      const answer = await (handlers.get(route.path) ?? route.handle)(routeRequest(request));
      if (answer === undefined) return reply.callNotFound();
      if ("redirect" in answer) return reply.header("vary", "Accept").redirect(answer.redirect, 302);
      if ("events" in answer) return eventStreams.serve(reply, answer.events);
      if ("body" in answer) {
        return reply
          .code(answer.status)
          .headers(answer.headers ?? {})
          .type(answer.contentType)
          .send(answer.body);
      }
      return reply.code(answer.status).send(answer.json);
    });
  }
  const { admit, verifyRequest } = options;
  fastify.route({
    method: ["GET", "POST"],
    url: graphqlPath,
    onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
      if (spans) {
        const current = routeRequest(request);
        current.trace = spans.start(request, request.headers, request.method, graphqlPath, current.requestId);
      }
      // Bodies are read as they come: a compressed one would be misread, so it is refused.
      const encoding = request.headers["content-encoding"];
      if (encoding !== undefined && encoding.trim().toLowerCase() !== "identity") {
        return httpError(
          reply,
          415,
          ErrorCode.BAD_REQUEST,
          `Content-Encoding "${encoding.slice(0, 40)}" is not supported: send the body uncompressed.`,
        );
      }
      const refusal = await admit?.(routeRequest(request));
      if (refusal) return refuse(reply, refusal);
    },
    ...(verifyRequest
      ? {
          preHandler: async (request: FastifyRequest, reply: FastifyReply) => {
            const body = (request as FastifyRequest & { rawBody?: string }).rawBody ?? "";
            const refusal = verifyRequest({ method: request.method, headers: request.headers, body });
            if (refusal) return refuse(reply, refusal);
          },
        }
      : {}),
    handler: inSpan(
      graphqlHandler<TContext>(
        apollo,
        async (request) => {
          const current = routeRequest(request);
          // Apollo Server copies the context per operation, own properties included: the plugins find the request there.
          return Object.assign(await options.context(current), { [ROUTE_REQUEST]: current });
        },
        routeRequest,
        options.shareInflight,
      ),
    ),
  });
  fastify.setNotFoundHandler((_request, reply) =>
    httpError(reply, 404, ErrorCode.NOT_FOUND, `No such route. GraphQL is served at ${graphqlPath}.`),
  );
  fastify.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error.code === "FST_ERR_CTP_INVALID_JSON_BODY" || error.code === "FST_ERR_CTP_EMPTY_JSON_BODY") {
      return httpError(reply, 400, ErrorCode.BAD_REQUEST, "The request body is not valid JSON.");
    }
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      const limit = describeBytes(bodyLimitBytes);
      return httpError(reply, 413, ErrorCode.PAYLOAD_TOO_LARGE, `The request body is larger than ${limit}.`);
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return httpError(reply, error.statusCode, ErrorCode.BAD_REQUEST, "The request could not be read.");
    }
    logger.error({ err: error }, "unhandled HTTP error");
    return httpError(reply, 500, ErrorCode.INTERNAL_SERVER_ERROR, "Internal server error.");
  });
  await fastify.ready();
  if (internal) {
    internal.setNotFoundHandler((_request, reply) => httpError(reply, 404, ErrorCode.NOT_FOUND, "No such route."));
    await internal.ready();
  }

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // apollo.stop() runs the drain plugin, which closes the HTTP server.
      await apollo.stop();
      await fastify.close();
      await internal?.close();
      await options.onClose?.();
    })();
    return closing;
  };
  return {
    httpServer: fastify.server,
    internalServer: internal?.server,
    apollo,
    context: options.context,
    metrics: options.metrics,
    replaceRoute: (path, handle) => {
      const replaced = handlers.get(path);
      if (!replaced) throw new Error(`no route ${path} to replace`);
      handlers.set(path, handle);
      return replaced;
    },
    listen: async (port, host = "127.0.0.1") => {
      await fastify.listen({ port, host });
      if (internal && options.internal) {
        await internal.listen({ port: options.internal.port, host: options.internal.host ?? host });
      }
      return fastify.server.address() as AddressInfo;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
