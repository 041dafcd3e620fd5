import { RemoteGraphQLDataSource } from "@apollo/gateway";
import type { ApolloBaseOptions, Logger } from "@supergraph/service-kit";
import { GraphQLError, type GraphQLFormattedError, Kind, OperationTypeNode } from "graphql";
import { SubgraphErrorCode, SubgraphFetchError } from "./fault/errors.js";
import { requestKind, type Upstream } from "./fault/upstream.js";

type ProcessOptions = Parameters<RemoteGraphQLDataSource["process"]>[0];

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

/**
 * Sends the router's requests to one subgraph through its Upstream (replicas, keep-alive pools,
 * timeouts, retries, circuit breakers). Every failure becomes a GraphQL error tagged with the
 * subgraph (`extensions.serviceName`, as the gateway tags the subgraph's own errors) and a
 * stable code (SUBGRAPH_UNAVAILABLE, SUBGRAPH_TIMEOUT, CIRCUIT_OPEN), so the rest of the query
 * still resolves. Replica URLs and low-level reasons are logged, never sent to clients.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource {
  constructor(
    readonly serviceName: string,
    private readonly upstream: Upstream,
    url: string,
    private readonly logger: Logger,
  ) {
    super({ url, fetcher: upstream.fetch });
  }

  override process(options: ProcessOptions): ReturnType<RemoteGraphQLDataSource["process"]> {
    return requestKind.run({ mutation: isMutation(options) }, () => super.process(options));
  }

  override didEncounterError(error: Error, _request: unknown, response?: { ok: boolean; status: number }): never {
    const serviceName = this.serviceName;
    const fields = { subgraph: serviceName, replicas: this.upstream.settings.urls ?? [this.url] };
    if (error instanceof SubgraphFetchError) {
      // An open circuit is the expected, cheap outcome while a subgraph is down: not worth a warning per request.
      const level = error.code === SubgraphErrorCode.CircuitOpen ? "debug" : "warn";
      this.logger[level](
        { ...fields, code: error.code, reason: (error.cause as Error | undefined)?.message },
        error.message,
      );
      throw new GraphQLError(error.message, { extensions: { code: error.code, serviceName } });
    }
    this.logger.warn({ ...fields, err: error }, "subgraph request failed");
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
      extensions: { code: SubgraphErrorCode.Unavailable, serviceName },
    });
  }
}

/**
 * Wraps the kit's error formatter for the router. Errors tagged with `serviceName` come from a
 * subgraph, which already masked anything unsafe with the same kit, or from the router's own
 * subgraph fault handling: they keep their message and code (BAD_USER_INPUT, NOT_FOUND,
 * CONFLICT, INTERNAL_SERVER_ERROR, SUBGRAPH_UNAVAILABLE, SUBGRAPH_TIMEOUT, CIRCUIT_OPEN, ...)
 * and the subgraph's name. The router's own errors go through the kit's formatter.
 */
export function formatRouterError(base: ApolloBaseOptions["formatError"]): ApolloBaseOptions["formatError"] {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
    if (typeof extensions.serviceName === "string" && typeof extensions.code === "string") {
      return { ...formatted, extensions };
    }
    return base(formatted, error);
  };
}
