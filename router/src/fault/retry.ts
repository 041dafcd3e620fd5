import type { SubgraphSettings } from "./settings.js";

/** HTTP statuses a query is retried on: the subgraph (or a proxy in front of it) says "try again". */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** Statuses that count as a failure of the replica for its circuit breaker: every 5xx, and 429. */
export function isFailureStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

/**
 * Backoff before retry number `retry` (1 for the first retry), "full jitter": a random delay
 * between 0 and min(maxDelayMs, initialDelayMs * 2^(retry-1)), so that routers retrying at
 * once do not hammer a recovering subgraph in lock-step.
 */
export function backoffDelay(
  retry: number,
  { initialDelayMs, maxDelayMs }: SubgraphSettings["retry"],
  random = Math.random,
): number {
  const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(random() * ceiling);
}

/**
 * Parses a `Retry-After` header (RFC 9110: delay in seconds, or an HTTP date) into milliseconds
 * from `now`. Undefined when absent or unreadable; 0 for a date in the past.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value == null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Sleeps `ms`; the default timer of the retry loop (tests inject their own). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
