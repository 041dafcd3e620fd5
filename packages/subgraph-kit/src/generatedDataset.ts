/**
 * One deterministic dataset that every subgraph generates its own part of (SEED_DATASET=generated):
 * a seeded pseudo-random generator, a Zipf sampler, and the ids and timestamps every part agrees on.
 * Each subgraph computes the same users' ids from the number of users alone, so no subgraph calls
 * another to seed. Benchmarks use the same parts to draw the ids they ask for.
 */

/** Generated rows have ids above this: the `i`-th (from 1) has id `GENERATED_ID_BASE + i`, far from hand-made ones. */
export const GENERATED_ID_BASE = 2_000_000;

/** The largest SEED_USERS and SEED_PRODUCTS accepted. */
export const MAX_GENERATED_ROWS = 1_000_000;

/** The `created_at` of the generated rows count from here (a fixed instant: the same data on every run). */
export const GENERATED_EPOCH = Date.parse("2025-01-01T00:00:00.000Z");

/** How uneven the generated products' creators are: the Zipf exponent (1: the k-th user creates about 1/k as many as the first). */
export const CREATOR_SKEW = 1;

/** The size and seed of the generated dataset (SEED_USERS, SEED_PRODUCTS, SEED_RANDOM_SEED). */
export interface GeneratedDataset {
  /** How many users: ids GENERATED_ID_BASE + 1 … GENERATED_ID_BASE + users. */
  readonly users: number;
  /** How many products: ids GENERATED_ID_BASE + 1 … GENERATED_ID_BASE + products. */
  readonly products: number;
  /** The seed of every pseudo-random choice (mulberry32). */
  readonly randomSeed: number;
}

/** The defaults of SEED_USERS, SEED_PRODUCTS and SEED_RANDOM_SEED. */
export const DEFAULT_GENERATED_DATASET: GeneratedDataset = Object.freeze({
  users: 2000,
  products: 10_000,
  randomSeed: 1,
});

/** What a subgraph's part of the generated dataset did at start: how many rows it holds, how many were new. */
export interface SeedReport {
  /** Rows of the part (e.g. SEED_USERS users). */
  expected: number;
  /** Rows inserted now: 0 when the part was already there (a restart, or another replica seeded it). */
  inserted: number;
}

/** A part of the generated dataset inserted: its `rows`, through `insert` (which skips those already there and says how many it added). */
export async function insertGenerated<R>(
  rows: readonly R[],
  insert: (rows: readonly R[]) => Promise<number>,
): Promise<SeedReport> {
  return { expected: rows.length, inserted: await insert(rows) };
}

/** The id of the `index`-th generated row (from 1). */
export function generatedId(index: number): number {
  return GENERATED_ID_BASE + index;
}

/** The generated users' ids, first and last, as every subgraph computes them from SEED_USERS alone. */
export function generatedUserIds(users: number): { first: number; last: number } {
  return { first: generatedId(1), last: generatedId(users) };
}

/** A fixed ISO 8601 timestamp for the `index`-th generated row: GENERATED_EPOCH plus `index` steps. */
export function generatedTimestamp(index: number, stepMs = 60_000): string {
  return new Date(GENERATED_EPOCH + index * stepMs).toISOString();
}

/**
 * mulberry32: a small, fast 32-bit pseudo-random generator. The same `seed` gives the same
 * sequence of numbers in [0, 1) on every machine and Node version (integer arithmetic only).
 * Not for secrets.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Draws ranks 1…`n` with Zipf's law: rank `k` with probability proportional to 1/k^`exponent`
 * (exponent 1: rank 1 twice as often as rank 2, ten times as often as rank 10). Uses `random`
 * (e.g. mulberry32) once per draw, so a seeded generator gives the same ranks every run.
 */
export function zipfSampler(n: number, exponent: number, random: () => number): () => number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`zipfSampler: n must be a positive integer, got ${n}`);
  if (!(exponent >= 0)) throw new RangeError(`zipfSampler: exponent must be at least 0, got ${exponent}`);
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let k = 1; k <= n; k++) {
    total += 1 / k ** exponent;
    cumulative[k - 1] = total;
  }
  return () => {
    const target = random() * total;
    // The first rank whose cumulative weight exceeds target.
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((cumulative[middle] as number) > target) high = middle;
      else low = middle + 1;
    }
    return low + 1;
  };
}
