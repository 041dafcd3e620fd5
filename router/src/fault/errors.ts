import { ErrorCode } from "@supergraph/error-codes";

/** The codes a failed subgraph call can end with (their meanings are in @supergraph/error-codes). */
export type SubgraphFailureCode =
  | typeof ErrorCode.SUBGRAPH_UNAVAILABLE
  | typeof ErrorCode.SUBGRAPH_TIMEOUT
  | typeof ErrorCode.CIRCUIT_OPEN;

/**
 * A subgraph call the router gave up on. The message is safe for clients (it names the subgraph,
 * never its URL); `cause` holds the low-level reason, which is only logged.
 */
export class SubgraphFetchError extends Error {
  override readonly name = "SubgraphFetchError";
  constructor(
    readonly code: SubgraphFailureCode,
    readonly serviceName: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function unavailable(serviceName: string, reason: string, cause?: unknown): SubgraphFetchError {
  return new SubgraphFetchError(
    ErrorCode.SUBGRAPH_UNAVAILABLE,
    serviceName,
    `Subgraph "${serviceName}" is unavailable: ${reason}.`,
    { cause },
  );
}

export function timedOut(serviceName: string, ms: number): SubgraphFetchError {
  return new SubgraphFetchError(
    ErrorCode.SUBGRAPH_TIMEOUT,
    serviceName,
    `Subgraph "${serviceName}" did not answer within ${ms} ms.`,
  );
}

export function circuitOpen(serviceName: string): SubgraphFetchError {
  return new SubgraphFetchError(
    ErrorCode.CIRCUIT_OPEN,
    serviceName,
    `Subgraph "${serviceName}" is unavailable: its circuit breaker is open after repeated failures, so it was not called.`,
  );
}
