import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { encodeIdentity, IDENTITY_HEADER } from "@supergraph/auth";
import { ErrorCode } from "@supergraph/error-codes";
import { formatTraceparent, type Logger, newSpanId, TRACEPARENT_HEADER, type Tracing } from "@supergraph/service-kit";
import { GraphQLError, Kind, OperationTypeNode } from "graphql";
import { SubgraphFetchError } from "./fault/errors.js";
import type { Reply } from "./fault/replica.js";
import type { Upstream } from "./fault/upstream.js";
import type { RouterContext } from "./server.js";

type ProcessOptions = GraphQLDataSourceProcessOptions<RouterContext>;
type SubgraphResponse = Awaited<ReturnType<GraphQLDataSource["process"]>>;

interface GraphQLErrorBody {
  errors: { message?: unknown; extensions?: Record<string, unknown> }[];
}

function isGraphQLErrorBody(body: unknown): body is GraphQLErrorBody {
  const errors = (body as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) && errors.length > 0 && typeof errors[0] === "object" && errors[0] !== null;
}

/** Whether the operation the gateway sends to a subgraph is a mutation (which is never retried nor shared). */
function isMutation(options: ProcessOptions): boolean {
  const document = "document" in options ? options.document : undefined;
  const operation = document?.definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  if (operation?.kind === Kind.OPERATION_DEFINITION) return operation.operation === OperationTypeNode.MUTATION;
  return /^\s*mutation\b/.test(options.request.query ?? "");
}

const header = (reply: Reply, name: string): string | undefined => {
  const value = reply.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
};

const isJson = (reply: Reply) => {
  const type = header(reply, "content-type") ?? "";
  return type.startsWith("application/json") || type.startsWith("application/graphql-response+json");
};

/** The body of a reply: parsed when it is JSON (undefined if it does not parse), else its text. */
function parseReply(reply: Reply): unknown {
  if (!isJson(reply)) return reply.body;
  try {
    return JSON.parse(reply.body);
  } catch {
    return undefined;
  }
}

/** The cache hint of a subgraph's `Cache-Control` header (max-age, private/public), as Apollo's data source reads it. */
export function cacheHint(value: string | undefined): { maxAge: number; scope?: "PUBLIC" | "PRIVATE" } {
  const hint: { maxAge: number; scope?: "PUBLIC" | "PRIVATE" } = { maxAge: 0 };
  for (const directive of (value ?? "").split(",")) {
    const [name = "", argument] = directive.trim().toLowerCase().split("=");
    if (name === "max-age" && argument !== undefined && /^[0-9]+$/.test(argument)) hint.maxAge = Number(argument);
    else if (name === "private") hint.scope = "PRIVATE";
    else if (name === "public") hint.scope = "PUBLIC";
  }
  return hint;
}

/** Why a fetch failed, with the reply when there was one: what `didEncounterError` turns into a GraphQL error. */
class ReplyError extends Error {
  constructor(
    readonly reply: Reply,
    readonly body: unknown,
  ) {
    super(`HTTP ${reply.status}`);
  }
}

/**
 * The adapter between @apollo/gateway and the router's fault layer: the gateway's data source for
 * one subgraph, sending every request through its Upstream (replicas, keep-alive pools, timeouts,
 * retries, circuit breakers). It owns what is the gateway's: the request it sends (the caller's
 * identity, request id and trace context as headers), which requests may be retried (queries,
 * never mutations), the reply parsed straight from its text (no fetch Request or Response objects
 * in between), the subgraph's cache hint applied to the response's cache policy, and failures
 * turned into GraphQL errors tagged with the subgraph (`extensions.serviceName`, as the gateway
 * tags the subgraph's own errors) and a stable code (SUBGRAPH_UNAVAILABLE, SUBGRAPH_TIMEOUT,
 * CIRCUIT_OPEN), so the rest of the query still resolves. Replica URLs and low-level reasons are
 * logged, never sent.
 *
 * With `shareFetches`, identical in-flight fetches of a query (same body, same caller identity)
 * share one request to the subgraph: the first one's; each caller parses its own copy of the reply.
 * Per-request headers (signature, request id, trace context) are not part of what is compared: the
 * shared request carries the first caller's.
 */
export class SubgraphDataSource implements GraphQLDataSource<RouterContext> {
  /** Replies being fetched, by caller identity and body. */
  private readonly inflight = new Map<string, Promise<Reply>>();

  constructor(
    readonly serviceName: string,
    private readonly upstream: Upstream,
    readonly url: string,
    private readonly logger: Logger,
    private readonly options: {
      /** Tracing: the subgraph continues the active span (the gateway's fetch, then each try's). Default: none. */
      tracing?: Tracing | undefined;
      /** Share identical in-flight fetches of queries (router.yaml `deduplication.subgraphFetches`). Default: false. */
      shareFetches?: boolean;
      /** Told of each fetch answered by another's request. */
      onShared?: (subgraph: string) => void;
      /** Whether the router signs its requests (and so sends the caller's identity). Default: true. */
      signed?: boolean;
    } = {},
  ) {}

  async process(options: ProcessOptions): Promise<SubgraphResponse> {
    const { request } = options;
    if (!request.query) throw new Error("Missing query");
    const context = options.context as RouterContext | undefined;
    const headers: Record<string, string> = {};
    for (const [name, value] of request.http?.headers ?? []) headers[name] = value;
    headers["content-type"] = "application/json";
    // The caller's identity as the router verified it; signed with the body on every try. Nothing
    // a client sends is forwarded, so a client cannot claim an identity of its own. A router that
    // does not sign (PROTECTIONS=off) claims none: an unsigned identity would mean nothing.
    const identity = encodeIdentity(context?.identity ?? null);
    if (this.options.signed !== false) headers[IDENTITY_HEADER] = identity;
    if (context?.requestId) headers["x-request-id"] = context.requestId;
    // The subgraph continues the client's trace: its span's parent is a span of this fetch (with
    // tracing, the gateway's fetch span, which each try's span then stands in for).
    const { tracing } = this.options;
    if (tracing) Object.assign(headers, tracing.outgoingHeaders());
    else if (context?.trace) headers[TRACEPARENT_HEADER] = formatTraceparent(context.trace, newSpanId());
    const body = JSON.stringify({
      query: request.query,
      variables: request.variables,
      operationName: request.operationName,
      ...(request.extensions ? { extensions: request.extensions } : {}),
    });
    const retryable = !isMutation(options);

    let reply: Reply | undefined;
    try {
      reply = await (retryable && this.options.shareFetches
        ? this.shared(`${identity}\0${body}`, headers, body)
        : this.upstream.send({ headers, body, retryable }));
      const parsed = parseReply(reply);
      if (reply.status < 200 || reply.status >= 300) throw new ReplyError(reply, parsed);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new Error("Expected a JSON object from the subgraph");
      }
      if ("incomingRequestContext" in options) {
        const policy = options.incomingRequestContext.overallCachePolicy;
        if (policy && "restrict" in policy) policy.restrict(cacheHint(header(reply, "cache-control")));
      }
      return parsed as SubgraphResponse;
    } catch (error) {
      return this.didEncounterError(error as Error, reply);
    }
  }

  /** One request for every identical in-flight fetch: the first caller's, its reply handed to all. */
  private shared(key: string, headers: Record<string, string>, body: string): Promise<Reply> {
    const running = this.inflight.get(key);
    if (running) {
      this.options.onShared?.(this.serviceName);
      return running;
    }
    const reply = this.upstream.send({ headers, body, retryable: true }).finally(() => this.inflight.delete(key));
    this.inflight.set(key, reply);
    return reply;
  }

  private didEncounterError(error: Error, reply: Reply | undefined): never {
    const response = reply ? { ok: reply.status >= 200 && reply.status < 300, status: reply.status } : undefined;
    const serviceName = this.serviceName;
    const fields = { subgraph: serviceName, replicas: this.upstream.settings.urls ?? [this.url] };
    if (error instanceof SubgraphFetchError) {
      // An open circuit is the expected, cheap outcome while a subgraph is down: not worth a warning per request.
      const level = error.code === ErrorCode.CIRCUIT_OPEN ? "debug" : "warn";
      this.logger[level](
        { ...fields, code: error.code, reason: (error.cause as Error | undefined)?.message },
        error.message,
      );
      throw new GraphQLError(error.message, { extensions: { code: error.code, serviceName } });
    }
    if (response?.status === 401) {
      // Subgraphs answer 401 only to requests whose signature they refuse: a deployment fault.
      this.logger.error(
        fields,
        "the subgraph refused the router's signature: SUBGRAPH_SIGNING_SECRET must be the same on the router and the subgraph, and their clocks within the subgraph's SIGNATURE_MAX_AGE_MS",
      );
    } else this.logger.warn({ ...fields, err: error }, "subgraph request failed");
    // A non-2xx reply that is still a GraphQL response (e.g. 400 with BAD_USER_INPUT): keep its code.
    // Not a 401: how a subgraph refused the router's signature is the router's business, not the client's.
    const body = error instanceof ReplyError && error.reply.status !== 401 ? error.body : undefined;
    if (isGraphQLErrorBody(body)) {
      const [first] = body.errors;
      const message = typeof first?.message === "string" ? first.message : `Subgraph "${serviceName}" failed.`;
      throw new GraphQLError(message, { extensions: { ...first?.extensions, serviceName } });
    }
    const reason = !response
      ? "it could not be reached"
      : !response.ok
        ? `it responded with HTTP ${response.status}`
        : "its response was not GraphQL JSON";
    throw new GraphQLError(`Subgraph "${serviceName}" is unavailable: ${reason}.`, {
      extensions: { code: ErrorCode.SUBGRAPH_UNAVAILABLE, serviceName },
    });
  }
}
