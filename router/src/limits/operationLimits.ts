import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import { ErrorCode } from "@supergraph/error-codes";
import {
  type GraphQLError,
  type GraphQLFormattedError,
  Lexer,
  type ParseOptions,
  Source,
  TokenKind,
  type ValidationContext,
  type ValidationRule,
} from "graphql";
import { costLimitPlugin } from "./cost.js";
import { type LimitCode, LimitError } from "./limitError.js";
import { maxRootFieldsRule } from "./rootFields.js";
import type { OperationLimits } from "./settings.js";

/** What restoreLimitCode reads of an error Apollo Server formats. */
interface ErrorFields {
  originalError?: unknown;
  source?: { body?: unknown };
  positions?: readonly number[];
}

type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/** What the router's ApolloServer takes to enforce the limits. */
export interface OperationLimitsOptions<TContext extends BaseContext> {
  /** graphql-js's own parser limits (what GraphQL Armor's max-tokens does): parsing stops past them. */
  parseOptions: ParseOptions;
  /** Depth, aliases, directives (GraphQL Armor) and root fields, run with graphql-js's rules. */
  validationRules: ValidationRule[];
  /** The cost limit, once the variables are known; none when `maxCost` is 0. */
  plugins: ApolloServerPlugin<TContext>[];
  /** Wraps the server's `formatError` so refused operations carry the limit's code, not Apollo's generic one. */
  formatError: (inner: FormatError) => FormatError;
}

/** Armor's messages start with a misleading "Syntax Error: "; the rest names the limit, its maximum and what was found. */
const armorMessage = (error: GraphQLError) => error.message.replace(/^Syntax Error: /, "");

/** Armor's rules throw by default, which fails the whole request: report a coded error instead. */
const reportAs =
  (code: LimitCode) =>
  (context: ValidationContext | null, error: GraphQLError): void => {
    context?.reportError(new LimitError(code, armorMessage(error)));
  };

/** Where the document's token number `max + 1` starts (where the parser's token limit stops it), if it has that many. */
function tokenPastLimit(body: string, max: number): number | undefined {
  const lexer = new Lexer(new Source(body));
  try {
    for (let count = 0; count <= max; count++) {
      const token = lexer.advance();
      if (token.kind === TokenKind.EOF) return undefined;
      if (count === max) return token.start;
    }
  } catch {
    // The lexer refused a token before the limit: a plain syntax error.
  }
  return undefined;
}

/** Why the parser refused a document for its length (not its syntax), or undefined. */
function lengthRefusal(position: number | undefined, body: string, limits: OperationLimits): string | undefined {
  // The parser checks the length before reading anything.
  if (limits.maxCharacters > 0 && body.length > limits.maxCharacters) {
    return `Document length limit of ${limits.maxCharacters} characters exceeded, found ${body.length}.`;
  }
  // It stops on reaching the token past the limit; a syntax error before it would have stopped it earlier.
  if (limits.maxTokens > 0 && position !== undefined && position === tokenPastLimit(body, limits.maxTokens)) {
    return `Token limit of ${limits.maxTokens} exceeded.`;
  }
  return undefined;
}

/**
 * The router's limits on abusive operations (router.yaml `limits`), as Apollo Server options.
 * Length (characters, tokens) is enforced by the parser, so an oversized document is never parsed
 * whole; depth, aliases, directives and root fields by validation rules (GraphQL Armor's, with
 * introspection's `__schema` exempt from depth; ours for root fields); cost by a plugin once the
 * variables are known. All refuse before the query is planned, so no subgraph is called, with
 * HTTP 400 and the limit's code: QUERY_TOO_DEEP, TOO_MANY_ALIASES, TOO_MANY_ROOT_FIELDS,
 * TOO_MANY_TOKENS, TOO_MANY_DIRECTIVES, QUERY_TOO_COSTLY. A limit set to 0 is off.
 */
export function operationLimits<TContext extends BaseContext>(
  limits: OperationLimits,
): OperationLimitsOptions<TContext> {
  const parseOptions: ParseOptions = {
    ...(limits.maxTokens > 0 ? { maxTokens: limits.maxTokens } : {}),
    ...(limits.maxCharacters > 0 ? { maxSourceLength: limits.maxCharacters } : {}),
  };
  const validationRules: ValidationRule[] = [];
  const armor = { exposeLimits: true, propagateOnRejection: false } as const;
  if (limits.maxDepth > 0) {
    validationRules.push(
      maxDepthRule({
        ...armor,
        n: limits.maxDepth,
        ignoreIntrospection: true,
        flattenFragments: true,
        onReject: [reportAs(ErrorCode.QUERY_TOO_DEEP)],
      }),
    );
  }
  if (limits.maxAliases > 0) {
    validationRules.push(
      maxAliasesRule({
        ...armor,
        n: limits.maxAliases,
        allowList: [],
        onReject: [reportAs(ErrorCode.TOO_MANY_ALIASES)],
      }),
    );
  }
  if (limits.maxDirectives > 0) {
    validationRules.push(
      maxDirectivesRule({ ...armor, n: limits.maxDirectives, onReject: [reportAs(ErrorCode.TOO_MANY_DIRECTIVES)] }),
    );
  }
  if (limits.maxRootFields > 0) {
    validationRules.push(
      maxRootFieldsRule(limits.maxRootFields, (context, found) =>
        context.reportError(
          new LimitError(
            ErrorCode.TOO_MANY_ROOT_FIELDS,
            `Root fields limit of ${limits.maxRootFields} exceeded, found ${found}.`,
          ),
        ),
      ),
    );
  }

  const restoreLimitCode = (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    // Read as plain objects, not with `instanceof GraphQLError`: under vitest, Apollo Server's
    // graphql (CommonJS) and ours (ESM) can be two copies of the module.
    const { originalError, source, positions } = (error ?? {}) as ErrorFields;
    const code = formatted.extensions?.code;
    // Apollo Server wraps a validation rule's error in its own ValidationError (code
    // GRAPHQL_VALIDATION_FAILED), keeping ours as originalError.
    if (code === ErrorCode.GRAPHQL_VALIDATION_FAILED && originalError instanceof LimitError) {
      const { code: limitCode, message } = originalError;
      return { ...formatted, message, extensions: { ...formatted.extensions, code: limitCode } };
    }
    // The parser's own limits fail as GRAPHQL_PARSE_FAILED: tell them apart from syntax errors.
    if (code === ErrorCode.GRAPHQL_PARSE_FAILED && typeof source?.body === "string") {
      const message = lengthRefusal(positions?.[0], source.body, limits);
      if (message) return { message, extensions: { ...formatted.extensions, code: ErrorCode.TOO_MANY_TOKENS } };
    }
    return formatted;
  };

  return {
    parseOptions,
    validationRules,
    plugins: limits.maxCost > 0 ? [costLimitPlugin<TContext>(limits)] : [],
    formatError: (inner) => (formatted, error) => inner(restoreLimitCode(formatted, error), error),
  };
}
