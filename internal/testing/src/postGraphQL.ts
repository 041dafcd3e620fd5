import { type SignOptions, signedHeaders } from "./credentials.js";

/** A GraphQL response as a client reads it off the wire. */
export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface PostOptions {
  variables?: Record<string, unknown>;
  /** The operation to run when the document has several. Default: none. */
  operationName?: string;
  /** More request headers (content-type is set). Default: none. */
  headers?: Record<string, string>;
  /**
   * Sign the request as the router does, for a direct call to a subgraph: `true` for an anonymous
   * caller, or who the caller is (and, optionally, the secret and clock). Signed afresh on every
   * call, over exactly the body sent. Default: unsigned.
   */
  sign?: SignOptions | boolean;
  /** Abort after this long. Default: 10000 ms. */
  timeoutMs?: number;
}

/** A GraphQL exchange as seen on the wire: the HTTP status and headers, and the JSON body. */
export interface GraphQLExchange<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: GraphQLResponse<T>;
}

/** The JSON body of a GraphQL POST, exactly as `postGraphQL` sends it (and signs it). */
export function graphQLBody(
  query: string,
  { variables, operationName }: Pick<PostOptions, "variables" | "operationName"> = {},
): string {
  return JSON.stringify({
    query,
    ...(operationName !== undefined ? { operationName } : {}),
    ...(variables ? { variables } : {}),
  });
}

/**
 * POSTs a GraphQL request as any client would, and returns the status, headers and JSON body,
 * whatever the status. Throws when the answer is not JSON (quoting the start of it).
 */
export async function sendGraphQL<T = Record<string, unknown>>(
  url: string,
  query: string,
  { variables, operationName, headers = {}, sign = false, timeoutMs = 10_000 }: PostOptions = {},
): Promise<GraphQLExchange<T>> {
  const body = graphQLBody(query, { variables, operationName });
  const signature = sign === false ? {} : signedHeaders(body, sign === true ? {} : sign);
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers, ...signature },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  try {
    return { status: response.status, headers: response.headers, body: JSON.parse(text) as GraphQLResponse<T> };
  } catch {
    throw new Error(`${url} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
}

/** POSTs a GraphQL request as any client would, and returns the response body, whatever the HTTP status. */
export async function postGraphQL<T = Record<string, unknown>>(
  url: string,
  query: string,
  options: PostOptions = {},
): Promise<GraphQLResponse<T>> {
  return (await sendGraphQL<T>(url, query, options)).body;
}
