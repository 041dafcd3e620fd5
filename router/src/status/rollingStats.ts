/**
 * Upper bounds (ms) of the latency histogram's buckets; one more bucket holds everything slower.
 * Roughly logarithmic: a p95 read from them is within a few tenths of its true value.
 */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10_000, 30_000,
];

/** What a stream of requests came to over a recent span of time. */
export interface RollingSummary {
  /** Requests per second. */
  requestRate: number;
  /** Share of them that failed, 0 to 1 (0 without requests). */
  errorRate: number;
  /** 95th percentile latency in ms, from the histogram (null without requests). */
  p95Ms: number | null;
  requests: number;
  errors: number;
}

export interface RollingStatsOptions {
  /** Seconds kept, in one-second buckets. Default: 60. */
  windowSeconds?: number;
  /** The clock, in ms (a test seam). Default: Date.now. */
  now?: () => number;
}

/** One second of requests. */
interface Bucket {
  /** Which second it holds (ms since the epoch / 1000, floored); -1 when unused. */
  second: number;
  requests: number;
  errors: number;
  /** Requests per latency bucket (LATENCY_BOUNDS_MS, then one for slower). */
  latency: Uint32Array;
  maxMs: number;
}

const latencyBucket = (ms: number): number => {
  let low = 0;
  let high = LATENCY_BOUNDS_MS.length;
  // The first bound >= ms (binary search); LATENCY_BOUNDS_MS.length when ms exceeds them all.
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((LATENCY_BOUNDS_MS[middle] ?? Number.POSITIVE_INFINITY) < ms) low = middle + 1;
    else high = middle;
  }
  return low;
};

/**
 * Request rate, error rate and p95 latency over the last `windowSeconds`, in a ring of one-second
 * buckets, each with a small fixed latency histogram: recording is O(log buckets) and memory is
 * fixed, whatever the traffic. Seconds older than the window are forgotten as the ring wraps.
 */
export class RollingStats {
  readonly windowSeconds: number;
  private readonly now: () => number;
  private readonly buckets: Bucket[];
  /** When these statistics began: rates over a span longer than that are over the time it covers. */
  private readonly startedAt: number;
  /** When the last request was recorded (ms), or undefined. */
  lastRecordedAt: number | undefined;

  constructor({ windowSeconds = 60, now = Date.now }: RollingStatsOptions = {}) {
    if (!Number.isInteger(windowSeconds) || windowSeconds < 1) throw new RangeError("windowSeconds must be >= 1");
    this.windowSeconds = windowSeconds;
    this.now = now;
    this.startedAt = now();
    this.buckets = Array.from({ length: windowSeconds }, () => ({
      second: -1,
      requests: 0,
      errors: 0,
      latency: new Uint32Array(LATENCY_BOUNDS_MS.length + 1),
      maxMs: 0,
    }));
  }

  /** Counts one request that took `durationMs` and failed or not. */
  record(durationMs: number, failed: boolean): void {
    const now = this.now();
    const ms = Number.isFinite(durationMs) && durationMs > 0 ? durationMs : 0;
    const bucket = this.bucketFor(Math.floor(now / 1000));
    bucket.requests++;
    if (failed) bucket.errors++;
    const index = latencyBucket(ms);
    bucket.latency[index] = (bucket.latency[index] ?? 0) + 1;
    if (ms > bucket.maxMs) bucket.maxMs = ms;
    this.lastRecordedAt = now;
  }

  /** Rates and p95 over the last `seconds` (at most the window), the current second included. */
  summary(seconds = this.windowSeconds): RollingSummary {
    const now = this.now();
    const span = Math.max(1, Math.min(Math.floor(seconds), this.windowSeconds));
    const current = Math.floor(now / 1000);
    let requests = 0;
    let errors = 0;
    let maxMs = 0;
    const latency = new Uint32Array(LATENCY_BOUNDS_MS.length + 1);
    for (const bucket of this.buckets) {
      if (bucket.second > current || bucket.second <= current - span) continue;
      requests += bucket.requests;
      errors += bucket.errors;
      if (bucket.maxMs > maxMs) maxMs = bucket.maxMs;
      for (let index = 0; index < latency.length; index++) {
        latency[index] = (latency[index] ?? 0) + (bucket.latency[index] ?? 0);
      }
    }
    // The whole seconds before this one, and this one so far; never more than these statistics have existed.
    const coveredMs = Math.max(1000, Math.min((span - 1) * 1000 + (now - current * 1000), now - this.startedAt));
    return {
      requestRate: (requests * 1000) / coveredMs,
      errorRate: requests === 0 ? 0 : errors / requests,
      p95Ms: requests === 0 ? null : percentile(latency, requests, 0.95, maxMs),
      requests,
      errors,
    };
  }

  /** Requests in each of the last `windowSeconds` seconds, oldest first, the current (partial) second last. */
  series(): number[] {
    const current = Math.floor(this.now() / 1000);
    const counts = new Array<number>(this.windowSeconds).fill(0);
    for (const bucket of this.buckets) {
      const age = current - bucket.second;
      if (bucket.second >= 0 && age >= 0 && age < this.windowSeconds)
        counts[this.windowSeconds - 1 - age] = bucket.requests;
    }
    return counts;
  }

  /** The bucket of `second`, emptied first if it still holds an older second. */
  private bucketFor(second: number): Bucket {
    const bucket = this.buckets[second % this.windowSeconds] as Bucket;
    if (bucket.second !== second) {
      bucket.second = second;
      bucket.requests = 0;
      bucket.errors = 0;
      bucket.latency.fill(0);
      bucket.maxMs = 0;
    }
    return bucket;
  }
}

/**
 * The `quantile` of `total` latencies counted in `histogram`: found in its bucket, interpolated
 * linearly within it, and never above the slowest latency seen (`maxMs`).
 */
function percentile(histogram: Uint32Array, total: number, quantile: number, maxMs: number): number {
  const rank = Math.max(1, Math.ceil(quantile * total));
  let below = 0;
  for (let index = 0; index < histogram.length; index++) {
    const count = histogram[index] ?? 0;
    if (below + count >= rank) {
      const lower = index === 0 ? 0 : (LATENCY_BOUNDS_MS[index - 1] ?? 0);
      const upper = LATENCY_BOUNDS_MS[index] ?? maxMs;
      return Math.min(maxMs, lower + ((upper - lower) * (rank - below)) / count);
    }
    below += count;
  }
  return maxMs;
}
