import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ApolloServer, ApolloServerPlugin, BaseContext } from "@apollo/server";
import { fastifyApolloHandler } from "@as-integrations/fastify";
import fastifyCors from "@fastify/cors";
import { ErrorCode } from "@supergraph/error-codes";
import accepts from "accepts";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { GraphQLFormattedError } from "graphql";
import type { Logger } from "pino";
import { createErrorFormatter } from "./errors.js";
import { type HealthCheck, healthReport } from "./health.js";

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
}

/** A request refused before GraphQL runs: answered with this status, headers and one coded error. */
export interface Refusal {
  status: number;
  code: ErrorCode;
  message: string;
  headers?: Record<string, string>;
}

/** A route's answer: JSON with a status, a redirect, or undefined to let the request fall through (to a 404). */
export type RouteResponse = { status: number; json: unknown } | { redirect: string } | undefined;

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
  /** Dependencies probed by `GET /health`. Default: none. */
  checks?: HealthCheck[];
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
  /** Which proxies' X-Forwarded-For to believe for `ip`: Fastify's `trustProxy` (addresses or CIDRs, or true for any). Default: none. */
  trustProxy?: boolean | string | string[];
  /** Browser origins allowed to call the service (CORS); strings match exactly, RegExps by pattern. Default: none (no CORS headers). */
  corsOrigins?: readonly (string | RegExp)[];
  /** A second listener for the `internal` routes (readiness, metrics), so they are not served to the public. Default: none. */
  internal?: { port: number; host?: string };
}

export interface Service<TContext extends BaseContext> extends AsyncDisposable {
  /** The Node.js HTTP server the service answers on (listening once `listen` resolved). */
  readonly httpServer: Server;
  /** The internal listener (with `internal`), listening once `listen` resolved; else undefined. */
  readonly internalServer: Server | undefined;
  readonly apollo: ApolloServer<TContext>;
  /** The per-request context builder GraphQL requests get, for running operations in-process. */
  readonly context: (request: RouteRequest) => Promise<TContext>;
  /** Starts listening (and the internal listener, on its own port); resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Stops accepting, waits for in-flight requests (bounded), then runs `onClose`. Idempotent; also `await using`. */
  close(): Promise<void>;
}

const ONE_MIB = 1024 * 1024;

/** The JSON error body GraphQL clients understand, for failures before GraphQL runs. */
function httpError(reply: FastifyReply, status: number, code: ErrorCode, message: string): FastifyReply {
  return reply.code(status).send({ errors: [{ message, extensions: { code } }] });
}

function refuse(reply: FastifyReply, { status, code, message, headers = {} }: Refusal): FastifyReply {
  return httpError(reply.headers(headers), status, code, message);
}

/** A caller's request id is kept when it is short and plain; anything else is replaced. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;
const REQUEST_ID_HEADER = "x-request-id";

/** Masked errors carry the request id, so a user can quote it and an operator find the logged cause. */
const requestIdInMaskedErrors: ApolloServerPlugin<BaseContext> = {
  async requestDidStart({ request }) {
    const requestId = request.http?.headers.get(REQUEST_ID_HEADER);
    return {
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
    bodyLimit: bodyLimitBytes,
    // A client must send its whole request (headers and body) within this time: a slow-loris client
    // trickling bytes is cut off (408) instead of holding a connection forever.
    requestTimeout: requestTimeoutMs,
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
    ? Fastify({ logger: false, forceCloseConnections: "idle", routerOptions: { ignoreTrailingSlash: true } })
    : undefined;
  fastify.decorateRequest("routeRequest", null);
  fastify.addHook("onRequest", async (request, reply) => {
    // Apollo's plugins read it from the headers; the caller reads it from the response.
    request.headers[REQUEST_ID_HEADER] = request.id;
    reply.header(REQUEST_ID_HEADER, request.id);
  });
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
    plugins: [drain, requestIdInMaskedErrors],
    formatError: createErrorFormatter(logger),
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

  // One per request, made when first needed: `admit` and the context builder see the same one (and its locals).
  const routeRequest = (request: FastifyRequest): RouteRequest => {
    const holder = request as FastifyRequest & { routeRequest: RouteRequest | null };
    holder.routeRequest ??= {
      headers: request.headers,
      accepts: (types) => accepts(request.raw).type(types) as string | false,
      ip: request.ip,
      requestId: request.id,
      locals: new Map(),
    };
    return holder.routeRequest;
  };

  fastify.get("/health", async (_request, reply) => {
    const report = await healthReport(name, checks, healthTimeoutMs, logger);
    return reply.code(report.status === "ok" ? 200 : 503).send(report);
  });
  for (const route of options.routes ?? []) {
    const host: FastifyInstance = route.internal && internal ? internal : fastify;
    host.get(route.path, async (request, reply) => {
      const answer = await route.handle(routeRequest(request));
      if (answer === undefined) return reply.callNotFound();
      if ("redirect" in answer) return reply.header("vary", "Accept").redirect(answer.redirect, 302);
      return reply.code(answer.status).send(answer.json);
    });
  }
  const { admit, verifyRequest } = options;
  fastify.route({
    method: ["GET", "POST"],
    url: graphqlPath,
    onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
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
    handler: fastifyApolloHandler<TContext>(apollo, {
      context: async (request) => options.context(routeRequest(request)),
    }),
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
