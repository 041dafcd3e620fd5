import { Readable } from "node:stream";
import { type ApolloServer, type BaseContext, HeaderMap, type HTTPGraphQLRequest } from "@apollo/server";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { RouteRequest } from "./service.js";

/**
 * Identical in-flight GraphQL requests answered by one execution: while a request is running,
 * another with the same key waits for it and is sent the same response instead of running again.
 * Only a complete 200 response whose operation succeeded (no errors) is shared; otherwise each
 * waiting request runs on its own, as if it had come alone.
 */
export interface InflightSharing {
  /**
   * The request's sharing key, or undefined when it must run on its own (e.g. a mutation, or a
   * document not yet known to be a query). Two requests may share an answer only if it is the same
   * for both: the key must include everything the answer depends on (the body, the caller's
   * identity, the negotiated media type).
   */
  key(request: RouteRequest, body: unknown, rawBody: string): string | undefined;
  /** Told of each request answered with another's response (e.g. to count it). */
  onShared?(): void;
}

/** A finished execution, as it may be sent again. */
interface Answer {
  status: number;
  headers: HeaderMap;
  /** Encoded once, when it may be sent to several requests: each is then sent the same bytes. */
  body: string | Buffer;
  /** The operation's name, for the log lines of the requests it is shared with. */
  operationName?: string | undefined;
}

/** The GraphQL request Apollo Server reads, from a Fastify request (its body already parsed). */
function toGraphQLRequest(request: FastifyRequest): HTTPGraphQLRequest {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const query = request.url.indexOf("?");
  return {
    body: request.body,
    method: request.method.toUpperCase(),
    headers,
    search: query === -1 ? "" : request.url.slice(query),
  };
}

/** Sets the response's status and Apollo Server's headers on `reply`. */
function head(reply: FastifyReply, status: number, headers: HeaderMap): FastifyReply {
  for (const [name, value] of headers) void reply.header(name, value);
  return reply.code(status);
}

/** A complete answer: its status and headers set, its body returned for Fastify to send. */
function send(reply: FastifyReply, { status, headers, body }: Answer): string | Buffer {
  head(reply, status, headers);
  return body;
}

/**
 * The Fastify handler of the GraphQL route: Apollo Server's `executeHTTPGraphQLRequest` with the
 * context from `context`, streamed bodies (incremental delivery) piped, and with `sharing`,
 * identical in-flight requests answered by one execution.
 */
export function graphqlHandler<TContext extends BaseContext>(
  apollo: ApolloServer<TContext>,
  context: (request: FastifyRequest) => Promise<TContext>,
  routeRequest: (request: FastifyRequest) => RouteRequest,
  sharing?: InflightSharing,
): (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> {
  /** Answers being computed, by key: the answer to share, or undefined for one that may not be shared. */
  const inflight = new Map<string, Promise<Answer | undefined>>();

  /** Runs the request; a streamed response is sent here (undefined returned), a complete one returned. */
  const execute = async (request: FastifyRequest, reply: FastifyReply): Promise<Answer | undefined> => {
    const {
      headers,
      body,
      status = 200,
    } = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: toGraphQLRequest(request),
      context: () => context(request),
    });
    if (body.kind === "complete") return { status, headers, body: body.string };
    void head(reply, status, headers).send(Readable.from(body.asyncIterator));
    return undefined;
  };
  const alone = async (request: FastifyRequest, reply: FastifyReply) => {
    const answer = await execute(request, reply);
    return answer ? send(reply, answer) : reply;
  };

  return async (request, reply) => {
    const current = routeRequest(request);
    const rawBody = (request as FastifyRequest & { rawBody?: string }).rawBody ?? "";
    const key = sharing?.key(current, request.body, rawBody);
    if (key === undefined) return alone(request, reply);
    const running = inflight.get(key);
    if (running) {
      const shared = await running;
      // The first one's response could not be shared: run as if alone.
      if (!shared) return alone(request, reply);
      sharing?.onShared?.();
      current.summary.outcome = "success";
      if (shared.operationName) current.summary.operationName = shared.operationName;
      return send(reply, shared);
    }
    let share: (answer: Answer | undefined) => void = () => undefined;
    inflight.set(
      key,
      new Promise((resolve) => {
        share = resolve;
      }),
    );
    try {
      const answer = await execute(request, reply);
      if (answer?.status !== 200 || current.summary.outcome !== "success") {
        share(undefined);
        return answer ? send(reply, answer) : reply;
      }
      const shared = { ...answer, body: Buffer.from(answer.body), operationName: current.summary.operationName };
      share(shared);
      return send(reply, shared);
    } catch (error) {
      share(undefined);
      throw error;
    } finally {
      inflight.delete(key);
    }
  };
}
