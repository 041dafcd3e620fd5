import { setTimeout as sleep } from "node:timers/promises";

/** True when `url` answers a 2xx within `timeoutMs`. Never throws. */
export async function isHealthy(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

export interface WaitOptions {
  /** Give up after this long. Default: 20000 ms. */
  timeoutMs?: number;
  /** Time between two polls. Default: 100 ms. */
  intervalMs?: number;
  /** Called before each poll; a message stops the wait early with that reason (e.g. the process exited). */
  abortIf?: () => string | undefined;
}

/**
 * Polls each URL (e.g. services' `/health`) until it answers 2xx. Resolves with the URLs still not
 * healthy when `timeoutMs` ran out (none: all healthy), or rejects when `abortIf` gives a reason.
 */
export async function waitForHealth(
  urls: readonly string[],
  { timeoutMs = 20_000, intervalMs = 100, abortIf }: WaitOptions = {},
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(urls);
  while (pending.size > 0) {
    const reason = abortIf?.();
    if (reason !== undefined) throw new Error(reason);
    const results = await Promise.all([...pending].map(async (url) => [url, await isHealthy(url)] as const));
    for (const [url, ok] of results) if (ok) pending.delete(url);
    if (pending.size === 0 || Date.now() >= deadline) break;
    await sleep(intervalMs);
  }
  return [...pending];
}
