import { ErrorCode, isErrorCode } from "@supergraph/error-codes";
import { type ApolloBaseOptions, type Logger, requestIdOf } from "@supergraph/service-kit";
import type { GraphQLFormattedError } from "graphql";

/** graphql-js's closing "Did you mean ...?" (the pattern of Apollo Server's own suggestion removal). */
const SUGGESTION = / ?Did you mean(.+?)\?$/;

export interface FormatRouterErrorOptions {
  /**
   * Remove graphql-js's "Did you mean ...?" from every message (production). Apollo Server's
   * `hideSchemaDetailsFromClientErrors` removes it from validation errors only; variable values are
   * checked after validation, so a misspelt input field (`{ nme: "Lamp" }`) would still be
   * answered with the schema's names (BAD_USER_INPUT, `Did you mean "name"?`). Default: false.
   */
  hideSuggestions?: boolean;
}

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
  { hideSuggestions = false }: FormatRouterErrorOptions = {},
): ApolloBaseOptions["formatError"] {
  const format = (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
    const { serviceName, code } = extensions;
    if (typeof serviceName !== "string") return base(formatted, error);
    if (isErrorCode(code)) return { ...formatted, extensions };
    logger.error(
      { requestId: requestIdOf(error), subgraph: serviceName, code, message: formatted.message },
      "subgraph error with a code outside the contract",
    );
    return {
      message: "Internal server error.",
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, serviceName },
    };
  };
  if (!hideSuggestions) return format;
  return (formatted, error) => {
    const result = format(formatted, error);
    return SUGGESTION.test(result.message) ? { ...result, message: result.message.replace(SUGGESTION, "") } : result;
  };
}
