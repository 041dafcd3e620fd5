import { describe, expect, it } from "vitest";
import { LATENCY_BOUNDS_MS, RollingStats } from "./rollingStats.js";
import { TrafficStats } from "./trafficStats.js";

/** A clock the test moves by hand, starting on a whole second. */
function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("RollingStats (injected clock)", () => {
  it("counts requests per second over the covered time, the current second included", () => {
    const clock = manualClock();
    const stats = new RollingStats({ windowSeconds: 60, now: clock.now });
    clock.advance(30_000); // 30 s of history to compute rates over
    for (let second = 0; second < 10; second++) {
      for (let request = 0; request < 20; request++) stats.record(5, false);
      clock.advance(1000);
    }
    // The last 10 s are the 9 whole seconds before this one (20 requests each) and this one, just begun.
    expect(stats.summary(10)).toMatchObject({ requests: 180, errors: 0, errorRate: 0, requestRate: 20 });
    expect(stats.summary(60).requests).toBe(200);
    clock.advance(500);
    for (let request = 0; request < 10; request++) stats.record(5, false);
    expect(stats.summary(10).requests).toBe(190);
    expect(stats.summary(10).requestRate).toBeCloseTo(20, 5); // 190 over 9.5 s
  });

  it("never reports a rate over less than one second, nor over more time than it has existed", () => {
    const clock = manualClock();
    const stats = new RollingStats({ now: clock.now });
    clock.advance(100);
    stats.record(1, false);
    expect(stats.summary().requestRate).toBe(1); // 1 request over (at least) 1 s, not over 0.1 s
    clock.advance(1900);
    stats.record(1, false);
    expect(stats.summary().requestRate).toBe(1); // 2 requests over the 2 s since it began, not over 60 s
  });

  it("computes the error rate over the span", () => {
    const clock = manualClock();
    const stats = new RollingStats({ now: clock.now });
    for (let request = 0; request < 40; request++) stats.record(3, request % 4 === 0);
    expect(stats.summary()).toMatchObject({ requests: 40, errors: 10, errorRate: 0.25 });
    clock.advance(20_000);
    for (let request = 0; request < 10; request++) stats.record(3, true);
    expect(stats.summary(10)).toMatchObject({ requests: 10, errors: 10, errorRate: 1 });
    expect(stats.summary(60)).toMatchObject({ requests: 50, errors: 20, errorRate: 0.4 });
  });

  it("finds the p95 latency in the histogram of the span, never above the slowest request", () => {
    const clock = manualClock();
    const stats = new RollingStats({ now: clock.now });
    for (let request = 0; request < 96; request++) stats.record(4, false);
    for (let request = 0; request < 4; request++) stats.record(900, false);
    const fast = stats.summary().p95Ms ?? Number.NaN;
    expect(fast).toBeGreaterThan(3); // the 95th of 100 is one of the 4 ms ones: bucket (3, 5]
    expect(fast).toBeLessThanOrEqual(5);

    clock.advance(1000);
    for (let request = 0; request < 10; request++) stats.record(400, false);
    // Now 110 requests: 96 fast, 10 at 400 ms, 4 at 900 ms: the 105th is a 400 ms one, bucket (300, 500].
    const slow = stats.summary().p95Ms ?? Number.NaN;
    expect(slow).toBeGreaterThan(300);
    expect(slow).toBeLessThanOrEqual(500);

    const single = new RollingStats({ now: clock.now });
    single.record(42, false);
    expect(single.summary().p95Ms).toBe(42); // interpolated to the bucket's top (50), capped at the one seen
  });

  it("puts latencies beyond the last bound in an overflow bucket, reported as the slowest seen", () => {
    const clock = manualClock();
    const stats = new RollingStats({ now: clock.now });
    const beyond = (LATENCY_BOUNDS_MS.at(-1) ?? 0) * 2;
    for (let request = 0; request < 10; request++) stats.record(beyond, false);
    expect(stats.summary().p95Ms).toBe(beyond);
  });

  it("forgets seconds that left the window: counts, errors and latencies", () => {
    const clock = manualClock();
    const stats = new RollingStats({ windowSeconds: 60, now: clock.now });
    for (let request = 0; request < 30; request++) stats.record(700, true);
    clock.advance(59_000);
    expect(stats.summary()).toMatchObject({ requests: 30, errors: 30 }); // 59 s old: still in
    clock.advance(1000);
    expect(stats.summary()).toEqual({ requestRate: 0, errorRate: 0, p95Ms: null, requests: 0, errors: 0 });

    // The ring slot is reused: what it held before does not leak into the new second.
    stats.record(2, false);
    expect(stats.summary()).toMatchObject({ requests: 1, errors: 0, p95Ms: 2 });
  });

  it("gives requests per second over the window, oldest first", () => {
    const clock = manualClock();
    const stats = new RollingStats({ windowSeconds: 5, now: clock.now });
    stats.record(1, false);
    clock.advance(2000);
    stats.record(1, false);
    stats.record(1, false);
    clock.advance(1000);
    stats.record(1, false);
    expect(stats.series()).toEqual([0, 1, 0, 2, 1]);
    clock.advance(3000);
    expect(stats.series()).toEqual([2, 1, 0, 0, 0]);
  });

  it("takes bad durations as 0 ms instead of failing", () => {
    const stats = new RollingStats({ now: manualClock().now });
    stats.record(Number.NaN, false);
    stats.record(-5, false);
    expect(stats.summary()).toMatchObject({ requests: 2, p95Ms: 0 });
  });
});

describe("TrafficStats", () => {
  it("counts the router's GraphQL requests, each subgraph's fetches and each replica's tries", () => {
    const clock = manualClock();
    const stats = new TrafficStats({ now: clock.now });
    const done = { method: "POST", status: 200, durationMs: 12, requestId: "r", internal: false } as const;
    const trace = { traceId: "0".repeat(32), spanId: "0".repeat(16), sampled: false };
    stats.onRequestDone({ ...done, trace, route: "/graphql", outcome: "success" });
    stats.onRequestDone({ ...done, trace, route: "/graphql", outcome: "SUBGRAPH_UNAVAILABLE" });
    stats.onRequestDone({ ...done, trace, route: "/health", outcome: "success" }); // not GraphQL
    stats.onRequestDone({ ...done, trace, route: "/graphql", outcome: "success", internal: true });
    expect(stats.router.summary()).toMatchObject({ requests: 2, errors: 1 });

    stats.onFetch({ subgraph: "products", durationMs: 5, outcome: "ok", tries: 1 });
    stats.onFetch({ subgraph: "products", durationMs: 5, outcome: "CIRCUIT_OPEN", tries: 0 });
    expect(stats.subgraph("products")?.summary()).toMatchObject({ requests: 2, errors: 1 });

    const replica = "http://127.0.0.1:4002/graphql";
    stats.onTry({ subgraph: "products", replica, durationMs: 3, outcome: "ok", status: 200 });
    stats.onTry({ subgraph: "products", replica, durationMs: 3, outcome: "failure_status", status: 503 });
    stats.onTry({ subgraph: "products", replica, durationMs: 1, outcome: "unreachable" });
    expect(stats.replica("products", replica)?.summary()).toMatchObject({ requests: 3, errors: 2 });
    expect(stats.replica("users", replica)).toBeUndefined();

    clock.advance(61_000);
    stats.onTry({ subgraph: "users", replica, durationMs: 3, outcome: "ok" });
    stats.prune(); // products was idle for the whole window: forgotten; users just answered
    expect(stats.subgraph("products")).toBeUndefined();
    expect(stats.replica("products", replica)).toBeUndefined();
    expect(stats.replica("users", replica)?.summary().requests).toBe(1);
  });
});
