/** How one try to one replica ended. */
export type TryOutcome = "ok" | "failure_status" | "unreachable" | "timeout";

/** One try to one replica (a retry is another try). */
export interface TryEvent {
  subgraph: string;
  replica: string;
  durationMs: number;
  outcome: TryOutcome;
  /** The HTTP status, when the replica answered. */
  status?: number;
}

/** One fetch from the gateway's point of view: all its tries, until a reply or a coded failure. */
export interface FetchEvent {
  subgraph: string;
  durationMs: number;
  /** `ok` (a reply came back, whatever its status), or the failure's code (SUBGRAPH_TIMEOUT, CIRCUIT_OPEN, ...). */
  outcome: string;
  /** Tries sent (0 when every circuit was open). */
  tries: number;
}

/**
 * Listens to the fault layer's traffic (metrics, the status page). Called synchronously on the
 * request path: it must be cheap and must not throw.
 */
export interface UpstreamObserver {
  onTry?(event: TryEvent): void;
  /** A failed try is about to be repeated (`attempt` is the try that failed). */
  onRetry?(event: { subgraph: string; attempt: number }): void;
  onFetch?(event: FetchEvent): void;
}

/** One observer that calls each of `observers` in turn. */
export function observeAll(observers: readonly UpstreamObserver[]): UpstreamObserver {
  const tries = observers.filter((observer) => observer.onTry);
  const retries = observers.filter((observer) => observer.onRetry);
  const fetches = observers.filter((observer) => observer.onFetch);
  return {
    onTry: (event) => {
      for (const observer of tries) observer.onTry?.(event);
    },
    onRetry: (event) => {
      for (const observer of retries) observer.onRetry?.(event);
    },
    onFetch: (event) => {
      for (const observer of fetches) observer.onFetch?.(event);
    },
  };
}
