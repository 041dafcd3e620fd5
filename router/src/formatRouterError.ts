import { ErrorCode, isErrorCode } from "@supergraph/error-codes";
import type { ApolloBaseOptions, Logger } from "@supergraph/service-kit";
import type { GraphQLFormattedError } from "graphql";

/**
 * Wraps the kit's error formatter for the router. Errors tagged with `serviceName` come from a
 * subgraph, which already masked anything unsafe with the same kit, or from the router's own
 * subgraph fault handling: they keep their message, code and the subgraph's name, as long as the
 * code is one of the contract (@supergraph/error-codes); one that is not is logged and masked as
 * INTERNAL_SERVER_ERROR, still naming the subgraph. The router's own errors go through the kit's formatter.
 */
export function formatRouterError(
  base: ApolloBaseOptions["formatError"],
  logger: Logger,
): ApolloBaseOptions["formatError"] {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
    const { serviceName, code } = extensions;
    if (typeof serviceName !== "string") return base(formatted, error);
    if (isErrorCode(code)) return { ...formatted, extensions };
    logger.error(
      { subgraph: serviceName, code, message: formatted.message },
      "subgraph error with a code outside the contract",
    );
    return {
      message: "Internal server error.",
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, serviceName },
    };
  };
}
