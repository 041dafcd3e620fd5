import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import {
  Client,
  type CombinedError,
  createRequest,
  fetchExchange,
  type OperationResult as UrqlResult,
} from "@urql/core";
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
  /**
   * Send each generated operation as a persisted query: the hash of its entry in
   * `persisted-documents.json` (`extensions.persistedQuery.sha256Hash`), without its text. When the
   * router does not know the hash (PERSISTED_QUERY_NOT_FOUND or _NOT_SUPPORTED: a router without that
   * manifest), the operation is sent again as full text, without a hash, and as text from then on.
   * Documents without a manifest hash are always sent as text. Default: true.
   */
  persistedQueries?: boolean;
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

/**
 * The manifest hash a generated document carries (`__meta__.hash`, written by codegen next to its
 * entry in persisted-documents.json); undefined for any other document. Never recomputed here: the
 * client's own print of a document may differ from the manifest's canonical text.
 */
export function persistedHash(document: TypedDocumentNode<unknown, never>): string | undefined {
  const hash = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  return typeof hash === "string" && /^[0-9a-f]{64}$/.test(hash) ? hash : undefined;
}

/** Answers meaning "this router does not know that hash": send the text instead. */
const UNKNOWN_HASH_CODES = new Set(["PERSISTED_QUERY_NOT_FOUND", "PERSISTED_QUERY_NOT_SUPPORTED"]);

const hashUnknown = ({ error }: UrqlResult) =>
  error?.graphQLErrors.some((e) => UNKNOWN_HASH_CODES.has(String(e.extensions?.code))) ?? false;

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
export function createClient({
  url,
  headers = {},
  timeoutMs = 30_000,
  fetch,
  persistedQueries = true,
}: ClientOptions): SupergraphClient {
  const client = new Client({
    url,
    exchanges: [fetchExchange],
    // POST always: the router refuses GET without a CSRF-safe header, and mutations need POST anyway.
    preferGetMethod: false,
    requestPolicy: "network-only",
    fetchOptions: () => ({ headers, signal: AbortSignal.timeout(timeoutMs) }),
    ...(fetch ? { fetch } : {}),
  });
  /** Hashes this router did not know: their operations go as text from then on. */
  const textOnly = new Set<string>();

  async function request<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    variables?: TVariables,
  ): Promise<OperationResult<TData>> {
    const kind = operationKind(document as TypedDocumentNode<unknown, never>);
    const vars = (variables ?? {}) as TVariables;
    const send = (extensions?: { persistedQuery: { version: 1; sha256Hash: string } }) => {
      const request = createRequest(document, vars, extensions);
      return (kind === "mutation" ? client.executeMutation(request) : client.executeQuery(request)).toPromise();
    };
    const hash = persistedQueries ? persistedHash(document as TypedDocumentNode<unknown, never>) : undefined;
    let result: UrqlResult<TData, TVariables> | undefined;
    if (hash !== undefined && !textOnly.has(hash)) {
      result = await send({ persistedQuery: { version: 1, sha256Hash: hash } });
      if (hashUnknown(result)) {
        textOnly.add(hash);
        result = undefined;
      }
    }
    // The text alone: a hash next to it would have to be the sha256 of this very text (APQ checks it).
    result ??= await send();
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
