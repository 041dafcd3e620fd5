import { describe, expect, it } from "vitest";
import {
  DEFAULT_GENERATED_DATASET,
  GENERATED_ID_BASE,
  generatedId,
  generatedTimestamp,
  generatedUserIds,
  mulberry32,
  zipfSampler,
} from "../src/index.js";
import { things } from "./things.js";

const draws = (next: () => number, count: number) => Array.from({ length: count }, () => next());

describe("mulberry32", () => {
  it("gives the same sequence for the same seed, on every machine (pinned values), and another for another seed", () => {
    expect(draws(mulberry32(1), 3)).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
    expect(draws(mulberry32(7), 1000)).toEqual(draws(mulberry32(7), 1000));
    expect(draws(mulberry32(2), 10)).not.toEqual(draws(mulberry32(1), 10));
  });

  it("stays in [0, 1) and spreads evenly", () => {
    const values = draws(mulberry32(3), 10_000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const tenths = new Array<number>(10).fill(0);
    for (const value of values) tenths[Math.floor(value * 10)] = (tenths[Math.floor(value * 10)] ?? 0) + 1;
    for (const count of tenths) expect(count).toBeGreaterThan(900);
  });
});

describe("zipfSampler", () => {
  /** How often each rank 1…n was drawn in `count` draws. */
  const histogram = (n: number, count: number, seed = 1) => {
    const draw = zipfSampler(n, 1, mulberry32(seed));
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < count; i++) {
      const rank = draw();
      counts[rank - 1] = (counts[rank - 1] ?? 0) + 1;
    }
    return counts;
  };

  it("draws the same ranks for the same seed, all within 1…n", () => {
    const first = draws(zipfSampler(500, 1, mulberry32(9)), 2000);
    expect(draws(zipfSampler(500, 1, mulberry32(9)), 2000)).toEqual(first);
    expect(Math.min(...first)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...first)).toBeLessThanOrEqual(500);
    expect(draws(zipfSampler(1, 1, mulberry32(9)), 5)).toEqual([1, 1, 1, 1, 1]);
  });

  it("is skewed as Zipf's law says: rank 1 about twice rank 2 and ten times rank 10; a few ranks get hundreds, many none", () => {
    const counts = histogram(2000, 10_000);
    const [first = 0, second = 0] = counts;
    const tenth = counts[9] ?? 0;
    expect(first / second).toBeGreaterThan(1.6);
    expect(first / second).toBeLessThan(2.4);
    expect(first / tenth).toBeGreaterThan(7);
    expect(first / tenth).toBeLessThan(13);
    expect(counts.filter((count) => count >= 100).length).toBeGreaterThanOrEqual(5);
    expect(counts.filter((count) => count >= 100).length).toBeLessThan(40);
    expect(counts.filter((count) => count === 0).length).toBeGreaterThan(300);
  });

  it("is uniform with exponent 0, and refuses an empty range", () => {
    const counts = new Array<number>(4).fill(0);
    const draw = zipfSampler(4, 0, mulberry32(5));
    for (let i = 0; i < 4000; i++) {
      const rank = draw();
      counts[rank - 1] = (counts[rank - 1] ?? 0) + 1;
    }
    for (const count of counts) expect(count).toBeGreaterThan(800);
    expect(() => zipfSampler(0, 1, Math.random)).toThrow(RangeError);
  });
});

describe("the generated dataset's ids and times", () => {
  it("numbers rows from GENERATED_ID_BASE + 1, the users' range computed from their number alone", () => {
    expect(GENERATED_ID_BASE).toBe(2_000_000);
    expect(generatedId(1)).toBe(2_000_001);
    expect(generatedUserIds(2000)).toEqual({ first: 2_000_001, last: 2_002_000 });
    expect(generatedTimestamp(1)).toBe("2025-01-01T00:01:00.000Z");
    expect(generatedTimestamp(3, 1000)).toBe("2025-01-01T00:00:03.000Z");
  });
});

describe("SEED_DATASET, SEED_USERS, SEED_PRODUCTS, SEED_RANDOM_SEED", () => {
  it("insert nothing unless SEED_DATASET=generated; then 2,000 users, 10,000 products and seed 1 by default", () => {
    expect(things.readConfig({}).generatedDataset).toBeUndefined();
    expect(things.readConfig({ SEED_DATASET: "none", SEED_USERS: "5" }).generatedDataset).toBeUndefined();
    expect(things.readConfig({ SEED_DATASET: "generated" }).generatedDataset).toEqual(DEFAULT_GENERATED_DATASET);
    expect(DEFAULT_GENERATED_DATASET).toEqual({ users: 2000, products: 10_000, randomSeed: 1 });
    expect(
      things.readConfig({
        SEED_DATASET: " Generated ",
        SEED_USERS: "50",
        SEED_PRODUCTS: "200",
        SEED_RANDOM_SEED: "0",
      }).generatedDataset,
    ).toEqual({ users: 50, products: 200, randomSeed: 0 });
  });

  it.each([
    [{ SEED_DATASET: "random" }, /SEED_DATASET: expected "generated"/],
    [{ SEED_USERS: "0" }, /SEED_USERS: expected at least 1/],
    [{ SEED_USERS: "-5" }, /SEED_USERS: expected at least 1/],
    [{ SEED_USERS: "many" }, /SEED_USERS: expected a number of users/],
    [{ SEED_PRODUCTS: "1.5" }, /SEED_PRODUCTS: expected a whole number of products/],
    [{ SEED_PRODUCTS: "1000001" }, /SEED_PRODUCTS: expected at most 1000000/],
    [{ SEED_RANDOM_SEED: "-1" }, /SEED_RANDOM_SEED: expected a whole number from 0 to 4294967295/],
    [{ SEED_RANDOM_SEED: "4294967296" }, /SEED_RANDOM_SEED: expected a whole number from 0 to 4294967295/],
  ])("refuses %j at start, naming the variable", (env, problem) => {
    expect(() => things.readConfig({ SEED_DATASET: "generated", ...env })).toThrow(problem);
  });
});
