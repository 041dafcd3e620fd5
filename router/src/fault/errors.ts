/**
 * Stable `extensions.code`s of the errors the router adds when a subgraph fails it. Each error
 * also has `extensions.serviceName`, the subgraph's name. Clients can branch on these.
 */
export const SubgraphErrorCode = {
  /** Could not get a usable answer: connection refused or reset, HTTP 5xx or 429, or a reply that is not GraphQL JSON. */
  Unavailable: "SUBGRAPH_UNAVAILABLE",
  /** No answer within the subgraph's `timeoutMs` (or its last try's `perAttemptTimeoutMs`). */
  Timeout: "SUBGRAPH_TIMEOUT",
  /** Every replica's circuit breaker is open after repeated failures: the subgraph was not called. */
  CircuitOpen: "CIRCUIT_OPEN",
} as const;
export type SubgraphErrorCode = (typeof SubgraphErrorCode)[keyof typeof SubgraphErrorCode];

/**
 * A subgraph fetch the router gave up on. The message is safe for clients (it names the
 * subgraph, never its URL); `cause` holds the low-level reason, which is only logged.
 */
export class SubgraphFetchError extends Error {
  override readonly name = "SubgraphFetchError";
  constructor(
    readonly code: SubgraphErrorCode,
    readonly serviceName: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function unavailable(serviceName: string, reason: string, cause?: unknown): SubgraphFetchError {
  return new SubgraphFetchError(
    SubgraphErrorCode.Unavailable,
    serviceName,
    `Subgraph "${serviceName}" is unavailable: ${reason}.`,
    { cause },
  );
}

export function timedOut(serviceName: string, ms: number): SubgraphFetchError {
  return new SubgraphFetchError(
    SubgraphErrorCode.Timeout,
    serviceName,
    `Subgraph "${serviceName}" did not answer within ${ms} ms.`,
  );
}

export function circuitOpen(serviceName: string): SubgraphFetchError {
  return new SubgraphFetchError(
    SubgraphErrorCode.CircuitOpen,
    serviceName,
    `Subgraph "${serviceName}" is unavailable: its circuit breaker is open after repeated failures, so it was not called.`,
  );
}
