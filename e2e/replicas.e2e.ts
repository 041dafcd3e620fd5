import {
  FAST_ROUTER_ENV,
  NO_DEDUPLICATION_ENV,
  readiness,
  type System,
  startSystem,
  startTraffic,
} from "@supergraph/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let system: System;
beforeAll(async () => {
  // products runs twice (products, products-2) on two ports over one database; the router gets both URLs.
  system = await startSystem({
    env: {
      router: {
        ...FAST_ROUTER_ENV,
        // Replicas' tries are counted per client query: concurrent identical queries must not share one.
        ...NO_DEDUPLICATION_ENV,
        ROUTER_SUBGRAPHS__ALL__CIRCUIT_BREAKER__RESET_TIMEOUT_MS: "1000",
      },
    },
    replicas: { products: 2 },
  });
});
afterAll(async () => {
  await system?.shutdown();
});

const PRODUCTS_WITH_CREATORS = "{ products { nodes { name createdBy { name } } } }";
const EXPECTED = {
  data: {
    products: {
      nodes: [
        { name: "Product A", createdBy: { name: "Alice" } },
        { name: "Product B", createdBy: { name: "Bob" } },
      ],
    },
  },
};

/** Tries each products replica got so far, in the order of the router's replica list. */
async function replicaRequests(): Promise<number[]> {
  const { body } = await readiness(system.url("router"));
  return body.subgraphs.products?.replicas.map((replica) => replica.requests) ?? [];
}

describe("two replicas of products, one killed (real processes)", () => {
  it("spreads queries over both; with one killed, retries hide it from clients and traffic moves to the live one, then back", async () => {
    const traffic = startTraffic(system.routerUrl, PRODUCTS_WITH_CREATORS, {
      concurrency: 3,
      maxRequests: 1500,
      maxMs: 30_000,
    });
    try {
      await expect.poll(() => traffic.samples.length, { timeout: 5000 }).toBeGreaterThanOrEqual(30);
      const [first = 0, second = 0] = await replicaRequests();
      expect(first, "first replica's tries").toBeGreaterThan(5); // round robin: both replicas serve
      expect(second, "second replica's tries").toBeGreaterThan(5);

      await system.kill("products"); // the first replica dies mid-traffic
      await expect
        .poll(async () => (await readiness(system.url("router"))).body.subgraphs.products?.status, { timeout: 5000 })
        .toBe("degraded");
      const [deadBefore = 0, liveBefore = 0] = await replicaRequests();
      const sentBefore = traffic.samples.length;
      await expect.poll(() => traffic.samples.length - sentBefore, { timeout: 10_000 }).toBeGreaterThanOrEqual(60);
      const [deadAfter = 0, liveAfter = 0] = await replicaRequests();
      const state = JSON.stringify((await readiness(system.url("router"))).body.subgraphs.products);
      // Every query went to the live replica (tries are counted as they start: the 3 in flight when the
      // count was read may be among the 60 samples but not in its difference)...
      expect(liveAfter - liveBefore, state).toBeGreaterThanOrEqual(57);
      expect(deadAfter - deadBefore, state).toBeLessThanOrEqual(3); // the dead one is routed around (a try or so in flight aside)

      await system.start("products"); // back on its port: probes see it, its circuit closes, it gets traffic again
      await expect
        .poll(async () => (await readiness(system.url("router"))).body.subgraphs.products?.status, { timeout: 10_000 })
        .toBe("up");
      const [revivedBefore = 0] = await replicaRequests();
      await expect
        .poll(async () => ((await replicaRequests())[0] ?? 0) - revivedBefore, { timeout: 5000 })
        .toBeGreaterThan(5);
    } finally {
      await traffic.stop();
    }

    // Not one client-visible error across the kill and the restart.
    const failed = traffic.samples.filter((sample) => sample.status !== 200 || sample.body?.errors);
    expect(failed).toEqual([]);
    for (const sample of traffic.samples) expect(sample.body).toEqual(EXPECTED);
  });
});
