/** A GraphQL response as a client reads it off the wire. */
export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface PostOptions {
  variables?: Record<string, unknown>;
  /** More request headers (content-type is set). Default: none. */
  headers?: Record<string, string>;
  /** Abort after this long. Default: 10000 ms. */
  timeoutMs?: number;
}

/** POSTs a GraphQL request as any client would, and returns the response body, whatever the HTTP status. */
export async function postGraphQL<T = Record<string, unknown>>(
  url: string,
  query: string,
  { variables, headers = {}, timeoutMs = 10_000 }: PostOptions = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(variables ? { query, variables } : { query }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return (await response.json()) as GraphQLResponse<T>;
}
