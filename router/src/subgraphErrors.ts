import { RemoteGraphQLDataSource } from "@apollo/gateway";
import type { ApolloBaseOptions, Logger } from "@supergraph/service-kit";
import { GraphQLError, type GraphQLFormattedError } from "graphql";

/**
 * Code of the error returned when the router cannot get a usable response from a subgraph
 * (unreachable, non-2xx without GraphQL errors, not JSON). Same code as Apollo Router's.
 */
export const SUBREQUEST_HTTP_ERROR = "SUBREQUEST_HTTP_ERROR";

interface GraphQLErrorBody {
  errors: { message?: unknown; extensions?: Record<string, unknown> }[];
}

function isGraphQLErrorBody(body: unknown): body is GraphQLErrorBody {
  const errors = (body as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) && errors.length > 0 && typeof errors[0] === "object" && errors[0] !== null;
}

/**
 * Sends the router's requests to one subgraph. Transport failures become a GraphQL error tagged
 * with the subgraph (`extensions.serviceName`, as the gateway tags the subgraph's own errors),
 * so the rest of the query still resolves and the response says which subgraph failed.
 * The subgraph's URL and the low-level reason are logged, not sent to clients.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource {
  constructor(
    readonly serviceName: string,
    url: string,
    private readonly logger: Logger,
  ) {
    super({ url });
  }

  override didEncounterError(error: Error, _request: unknown, response?: { ok: boolean; status: number }): never {
    const serviceName = this.serviceName;
    this.logger.warn({ err: error, subgraph: serviceName, url: this.url }, "subgraph request failed");
    // A non-2xx reply that is still a GraphQL response (e.g. 400 with BAD_USER_INPUT): keep its code.
    const body =
      error instanceof GraphQLError ? (error.extensions.response as { body?: unknown } | undefined)?.body : undefined;
    if (isGraphQLErrorBody(body)) {
      const [first] = body.errors;
      const message = typeof first?.message === "string" ? first.message : `Subgraph "${serviceName}" failed.`;
      throw new GraphQLError(message, { extensions: { ...first?.extensions, serviceName } });
    }
    const message = !response
      ? `Subgraph "${serviceName}" could not be reached.`
      : !response.ok
        ? `Subgraph "${serviceName}" responded with HTTP ${response.status}.`
        : `Subgraph "${serviceName}" sent a response that is not GraphQL JSON.`;
    throw new GraphQLError(message, { extensions: { code: SUBREQUEST_HTTP_ERROR, serviceName } });
  }
}

/**
 * Wraps the kit's error formatter for the router. Errors tagged with `serviceName` come from a
 * subgraph, which already masked anything unsafe with the same kit: they keep their message and
 * code (BAD_USER_INPUT, NOT_FOUND, CONFLICT, INTERNAL_SERVER_ERROR, ...) and the subgraph's name.
 * The router's own errors go through the kit's formatter (known codes pass, the rest are masked).
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
