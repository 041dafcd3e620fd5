import type { GraphQLResponse } from "./postGraphQL.js";

/** One request of a traffic run: when it started (ms since the run began), how long it took, what came back. */
export interface Sample {
  at: number;
  ms: number;
  /** HTTP status; 0 when the request itself failed (connection refused, reset, 10 s timeout). */
  status: number;
  body?: GraphQLResponse;
  error?: string;
}

export interface Traffic extends AsyncDisposable {
  readonly samples: readonly Sample[];
  /** Stops sending and waits for requests in flight; resolves with every sample. Also `await using`. */
  stop(): Promise<Sample[]>;
}

/** The samples whose answer is not HTTP 200 with exactly `expected` as its body. */
export const wrongAnswers = (samples: readonly Sample[], expected: GraphQLResponse): Sample[] => {
  const body = JSON.stringify(expected);
  return samples.filter((sample) => sample.status !== 200 || JSON.stringify(sample.body) !== body);
};

/**
 * Sends `query` to `url` from `concurrency` loops, each waiting for its answer before the next
 * request, until stopped, `maxRequests` were sent or `maxMs` passed: bounded in count and time.
 * `headers` go with every request (e.g. a bearer token). Default: none.
 */
export function startTraffic(
  url: string,
  query: string,
  {
    concurrency = 2,
    maxRequests = 1000,
    maxMs = 30_000,
    pauseMs = 5,
    headers = {},
  }: {
    concurrency?: number;
    maxRequests?: number;
    maxMs?: number;
    pauseMs?: number;
    headers?: Record<string, string>;
  } = {},
): Traffic {
  const samples: Sample[] = [];
  const started = Date.now();
  let sent = 0;
  let stopped = false;
  const body = JSON.stringify({ query });
  const loop = async () => {
    while (!stopped && sent < maxRequests && Date.now() - started < maxMs) {
      sent++;
      const at = Date.now() - started;
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        const text = await response.text();
        let parsed: GraphQLResponse | undefined;
        try {
          parsed = JSON.parse(text) as GraphQLResponse;
        } catch {
          parsed = undefined;
        }
        samples.push({
          at,
          ms: Date.now() - started - at,
          status: response.status,
          ...(parsed ? { body: parsed } : {}),
        });
      } catch (error) {
        samples.push({ at, ms: Date.now() - started - at, status: 0, error: (error as Error).message });
      }
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  const stop = async () => {
    stopped = true;
    await Promise.all(loops);
    return samples;
  };
  return {
    samples,
    stop,
    [Symbol.asyncDispose]: async () => {
      await stop();
    },
  };
}

/** Milliseconds a call takes, with its result. */
export async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await run();
  return { ms: Math.round(performance.now() - started), result };
}
