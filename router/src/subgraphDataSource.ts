import { STATUS_CODES } from "node:http";
import { RemoteGraphQLDataSource } from "@apollo/gateway";
import { encodeIdentity, IDENTITY_HEADER } from "@supergraph/auth";
import { ErrorCode } from "@supergraph/error-codes";
import { formatTraceparent, type Logger, newSpanId, TRACEPARENT_HEADER, type Tracing } from "@supergraph/service-kit";
import { GraphQLError, Kind, OperationTypeNode } from "graphql";
import { SubgraphFetchError } from "./fault/errors.js";
import type { Reply } from "./fault/replica.js";
import type { Upstream } from "./fault/upstream.js";
import type { RouterContext } from "./server.js";

type ProcessOptions = Parameters<RemoteGraphQLDataSource["process"]>[0];
type FetcherInit = Parameters<RemoteGraphQLDataSource["fetcher"]>[1];
type FetcherResponse = Awaited<ReturnType<RemoteGraphQLDataSource["fetcher"]>>;

/**
 * Set by `willSendRequest` on a request that may be retried (a query), read and removed by the
 * fetcher: the request itself carries what the fetcher must know, so no shared state decides it.
 * Never sent to a subgraph.
 */
const RETRYABLE_HEADER = "x-supergraph-router-retryable";

interface GraphQLErrorBody {
  errors: { message?: unknown; extensions?: Record<string, unknown> }[];
}

function isGraphQLErrorBody(body: unknown): body is GraphQLErrorBody {
  const errors = (body as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) && errors.length > 0 && typeof errors[0] === "object" && errors[0] !== null;
}

/** Whether the operation the gateway sends to a subgraph is a mutation (which is never retried). */
function isMutation(options: ProcessOptions): boolean {
  const document = "document" in options ? options.document : undefined;
  const operation = document?.definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  if (operation?.kind === Kind.OPERATION_DEFINITION) return operation.operation === OperationTypeNode.MUTATION;
  return /^\s*mutation\b/.test(options.request.query ?? "");
}

/** The WHATWG Response the gateway's data source reads, from a reply the upstream already read in full. */
function toResponse(reply: Reply): FetcherResponse {
  const headers = new Headers();
  for (const [name, value] of Object.entries(reply.headers)) {
    for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, item);
  }
  const empty = [101, 204, 205, 304].includes(reply.status);
  return new Response(empty ? null : reply.body, {
    status: reply.status,
    statusText: STATUS_CODES[reply.status] ?? "",
    headers,
  });
}

/**
 * The adapter between @apollo/gateway and the router's fault layer: the gateway's data source for
 * one subgraph, sending every request through its Upstream (replicas, keep-alive pools, timeouts,
 * retries, circuit breakers) with `send`. It owns what is the gateway's: the fetcher protocol and
 * its Response, which requests may be retried (queries, never mutations), and turning failures
 * into GraphQL errors tagged with the subgraph (`extensions.serviceName`, as the gateway tags the
 * subgraph's own errors) and a stable code (SUBGRAPH_UNAVAILABLE, SUBGRAPH_TIMEOUT, CIRCUIT_OPEN),
 * so the rest of the query still resolves. Replica URLs and low-level reasons are logged, never sent.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource {
  constructor(
    readonly serviceName: string,
    private readonly upstream: Upstream,
    url: string,
    private readonly logger: Logger,
    /** Tracing: the subgraph continues the active span (the gateway's fetch, then each try's). Default: none. */
    private readonly tracing?: Tracing,
  ) {
    super({ url });
    this.fetcher = (_url: string, init?: FetcherInit) => this.send(init);
  }

  override willSendRequest(options: ProcessOptions): void {
    const headers = options.request.http?.headers;
    if (!headers) return;
    if (!isMutation(options)) headers.set(RETRYABLE_HEADER, "1");
    // The caller's identity as the router verified it; signed with the body on every try. Nothing
    // a client sends is forwarded, so a client cannot claim an identity of its own.
    const context = "context" in options ? (options.context as RouterContext) : undefined;
    headers.set(IDENTITY_HEADER, encodeIdentity(context?.identity ?? null));
    if (context?.requestId) headers.set("x-request-id", context.requestId);
    // The subgraph continues the client's trace: its span's parent is a span of this fetch (with
    // tracing, the gateway's fetch span, which each try's span then stands in for).
    if (this.tracing) {
      for (const [name, value] of Object.entries(this.tracing.outgoingHeaders())) headers.set(name, value);
    } else if (context?.trace) headers.set(TRACEPARENT_HEADER, formatTraceparent(context.trace, newSpanId()));
  }

  private async send(init: FetcherInit = {}): Promise<FetcherResponse> {
    const { [RETRYABLE_HEADER]: retryable, ...headers } = (init.headers ?? {}) as Record<string, string>;
    const body = typeof init.body === "string" ? init.body : (init.body?.toString("utf8") ?? "");
    return toResponse(await this.upstream.send({ headers, body, retryable: retryable === "1" }));
  }

  override didEncounterError(error: Error, _request: unknown, response?: { ok: boolean; status: number }): never {
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
    const body =
      error instanceof GraphQLError ? (error.extensions.response as { body?: unknown } | undefined)?.body : undefined;
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
