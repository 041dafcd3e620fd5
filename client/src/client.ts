import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { Client, type CombinedError, fetchExchange } from "@urql/core";
import { Kind, type OperationDefinitionNode } from "graphql";
import { ClientNetworkError, ClientResultError, type GraphQLResultError, toResultError } from "./errors.js";

export interface ClientOptions {
  /** The router's GraphQL endpoint, e.g. `http://localhost:4000/graphql`. */
  url: string;
  /** Sent with every request (e.g. `authorization`). Default: none. */
  headers?: Record<string, string>;
  /** Abort a request after this long. Default: 30000 ms. */
  timeoutMs?: number;
  /** The fetch implementation. Default: the global `fetch`. */
  fetch?: typeof fetch;
}

/** A GraphQL result: whatever data could be resolved, plus typed errors (possibly both). */
export interface OperationResult<TData> {
  /** null when nothing could be resolved; otherwise fields that failed are null and have an error. */
  data: TData | null;
  errors: readonly GraphQLResultError[];
}

/** Variables are optional exactly when the operation declares none that are required. */
type VariablesArgument<TVariables> =
  Record<string, never> extends TVariables ? [variables?: TVariables] : [variables: TVariables];

export interface SupergraphClient {
  readonly url: string;
  /**
   * Sends one operation; the result and variables are typed from the document. Resolves with data
   * plus errors (partial results included); throws ClientNetworkError when no GraphQL response arrives.
   */
  request<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    ...variables: VariablesArgument<TVariables>
  ): Promise<OperationResult<TData>>;
  /** Like `request`, but resolves with the data alone and throws ClientResultError if there is any error. */
  requestData<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    ...variables: VariablesArgument<TVariables>
  ): Promise<TData>;
}

function operationKind(document: TypedDocumentNode<unknown, never>): "query" | "mutation" {
  const operation = document.definitions.find(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  if (!operation) throw new TypeError("The document has no operation.");
  if (operation.operation === "subscription") throw new TypeError("Subscriptions are not supported by this client.");
  return operation.operation;
}

function networkError(url: string, error: CombinedError): ClientNetworkError {
  const response = error.response as Response | undefined;
  const errors = error.graphQLErrors.map(toResultError);
  if (response && !response.ok) {
    const detail = errors.length > 0 ? `: ${errors.map((e) => `[${e.code}] ${e.message}`).join("; ")}` : "";
    return new ClientNetworkError(
      `${url} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}${detail}`,
      url,
      response.status,
      errors,
    );
  }
  const cause = error.networkError;
  const reason = (cause?.cause as Error | undefined)?.message ?? cause?.message ?? "unknown network error";
  return new ClientNetworkError(`Could not reach ${url}: ${reason}`, url, response?.status, errors, { cause });
}

/**
 * A typed client for the router. One endpoint serves the whole graph: a single call can read
 * users and their products, joined by the router.
 */
export function createClient({ url, headers = {}, timeoutMs = 30_000, fetch }: ClientOptions): SupergraphClient {
  const client = new Client({
    url,
    exchanges: [fetchExchange],
    // POST always: the router refuses GET without a CSRF-safe header, and mutations need POST anyway.
    preferGetMethod: false,
    requestPolicy: "network-only",
    fetchOptions: () => ({ headers, signal: AbortSignal.timeout(timeoutMs) }),
    ...(fetch ? { fetch } : {}),
  });

  async function request<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    variables?: TVariables,
  ): Promise<OperationResult<TData>> {
    const kind = operationKind(document as TypedDocumentNode<unknown, never>);
    const vars = (variables ?? {}) as TVariables;
    const result =
      kind === "mutation"
        ? await client.mutation(document, vars).toPromise()
        : await client.query(document, vars).toPromise();
    const error = result.error;
    const response = error?.response as Response | undefined;
    if (error && (error.networkError || (response && !response.ok))) throw networkError(url, error);
    return { data: (result.data ?? null) as TData | null, errors: (error?.graphQLErrors ?? []).map(toResultError) };
  }

  return {
    url,
    request: (document, ...[variables]) => request(document, variables),
    async requestData(document, ...[variables]) {
      const result = await request(document, variables);
      if (result.errors.length > 0 || result.data === null) throw new ClientResultError(result.errors, result.data);
      return result.data;
    },
  };
}
