import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { connectionsTo } from "@supergraph/subgraph-kit/testing";
import {
  FAST_ROUTER_ENV,
  FULL,
  type GraphQLResponse,
  PARTIAL,
  postGraphQL,
  readiness,
  refusesConnections,
  requestInFlight,
  type Sample,
  type System,
  startSystem,
  startTraffic,
  timed,
  USERS_WITH_PRODUCTS,
} from "@supergraph/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Fault tolerance with real processes, one system for the whole file (starting one costs seconds):
 * hot reload, a subgraph killed, a subgraph hanging and flapping, then graceful shutdown of each
 * service, last since it stops them. The router runs with short timeouts and breaker windows
 * (FAST_ROUTER_ENV: timeout 1000 ms, circuit opens after 3 calls, half-opens after 500 ms) and
 * serves a copy of the supergraph that the reload test rewrites.
 */
let system: System;
let supergraphPath: string;
let supergraph: string;
beforeAll(async () => {
  supergraphPath = join(mkdtempSync(join(tmpdir(), "supergraph-faults-")), "supergraph.graphql");
  copyFileSync(fileURLToPath(new URL("../supergraph.graphql", import.meta.url)), supergraphPath);
  supergraph = readFileSync(supergraphPath, "utf8");
  system = await startSystem({
    env: { router: { ...FAST_ROUTER_ENV, SUPERGRAPH_PATH: supergraphPath, ROUTER_SUPERGRAPH__POLL_INTERVAL_MS: "50" } },
  });
});
afterAll(async () => {
  await system?.shutdown();
  if (supergraphPath) rmSync(dirname(supergraphPath), { recursive: true, force: true });
});

const isFull = (sample: Sample) => sample.status === 200 && sample.body?.errors === undefined;
const isPartial = (sample: Sample) => (sample.body?.errors?.length ?? 0) > 0;
const codeOf = (response: GraphQLResponse) => response.errors?.[0]?.extensions?.code;
const ask = () => timed(() => postGraphQL(system.routerUrl, USERS_WITH_PRODUCTS));
const ready = () => readiness(system.url("router"));
const productsCircuit = async () => (await ready()).body.subgraphs.products?.replicas[0]?.circuit;
const noFailures = (samples: readonly Sample[]) =>
  samples.filter((sample) => sample.status !== 200 || sample.body?.errors !== undefined);

describe("supergraph hot reload under load", () => {
  /** Writes the file as deploy tools do: a new file renamed over it. */
  const swap = (sdl: string) => {
    writeFileSync(`${supergraphPath}.next`, sdl);
    renameSync(`${supergraphPath}.next`, supergraphPath);
  };
  /** The same supergraph, observably different: a description on the Query type. */
  const variant = (label: string) => supergraph.replace(/^type Query/m, `"""${label}"""\ntype Query`);
  const description = async () =>
    (
      (await postGraphQL(system.routerUrl, "{ __schema { queryType { description } } }")).data as {
        __schema: { queryType: { description: string | null } };
      }
    )?.__schema.queryType.description;

  it("swaps the supergraph three times under traffic without a failed request; refuses an invalid one with a logged reason", async () => {
    expect(await description()).toBeNull();
    const traffic = startTraffic(system.routerUrl, USERS_WITH_PRODUCTS, { concurrency: 4, maxMs: 20_000 });
    try {
      await expect.poll(() => traffic.samples.length, { timeout: 5000 }).toBeGreaterThanOrEqual(20);
      const beforeSwaps = traffic.samples.length;
      for (const label of ["Version 2.", "Version 3."]) {
        swap(variant(label));
        await expect.poll(description, { timeout: 5000 }).toBe(label);
      }
      swap("type Query { broken");
      await expect
        .poll(async () => (await ready()).body.supergraph?.lastRejected?.reason, { timeout: 5000 })
        .toMatch(/Syntax Error/);
      // Services write their log lines within 200 ms (buffered): wait for it.
      await expect
        .poll(() => system.logs("router"), { timeout: 5000 })
        .toContain("new supergraph rejected; still serving the previous one");
      expect(await description()).toBe("Version 3."); // the last valid one keeps serving
      swap(supergraph);
      await expect.poll(description, { timeout: 5000 }).toBeNull();
      expect(traffic.samples.length - beforeSwaps).toBeGreaterThan(0); // requests ran while it changed
    } finally {
      await traffic.stop();
    }
    expect(noFailures(traffic.samples)).toEqual([]);
    for (const sample of traffic.samples) expect(sample.body).toEqual({ data: FULL });
    expect((await ready()).body.supergraph?.loads).toBe(4); // the original, versions 2 and 3, the original
  });
});

describe("a subgraph killed mid-traffic", () => {
  it("products SIGKILLed: every response keeps every user's name; full results return after its restart, router untouched", async () => {
    const traffic = startTraffic(system.routerUrl, USERS_WITH_PRODUCTS, { concurrency: 2, maxMs: 25_000 });
    try {
      await expect.poll(() => traffic.samples.length, { timeout: 5000 }).toBeGreaterThanOrEqual(10);
      await system.kill("products");
      const killedAt = traffic.samples.length;
      await expect
        .poll(() => traffic.samples.slice(killedAt).filter(isPartial).length, { timeout: 5000 })
        .toBeGreaterThanOrEqual(10);

      const down = await ready();
      expect(down.status).toBe(200); // degraded, but the router serves: it stays in rotation
      expect(down.body).toMatchObject({ status: "ready", degraded: true });
      expect(down.body.subgraphs.products?.status).toBe("down");
      expect(down.body.subgraphs.users?.status).toBe("up");

      await system.start("products");
      const restartedAt = traffic.samples.length;
      await expect
        .poll(() => traffic.samples.slice(restartedAt).filter(isFull).length, { timeout: 10_000 })
        .toBeGreaterThanOrEqual(5);
    } finally {
      await traffic.stop();
    }

    const samples = traffic.samples;
    for (const sample of samples) {
      expect(sample.status, sample.error).toBe(200);
      expect([FULL, PARTIAL]).toContainEqual(sample.body?.data);
    }
    const errors = samples.flatMap((sample) => sample.body?.errors ?? []);
    for (const error of errors) expect(error.extensions?.serviceName).toBe("products");
    // While it was down the breaker opened: requests then failed fast without trying products.
    expect(new Set(errors.map((error) => error.extensions?.code))).toEqual(
      new Set(["SUBGRAPH_UNAVAILABLE", "CIRCUIT_OPEN"]),
    );
    expect(samples.at(-1)?.body).toEqual({ data: FULL });
    await expect.poll(async () => (await ready()).body.degraded, { timeout: 5000 }).toBe(false);
  });

  it("users SIGKILLed: every product keeps its name, createdBy is null, one error names users", async () => {
    await system.kill("users");
    try {
      expect(await postGraphQL(system.routerUrl, "{ products { nodes { name createdBy { name } } } }")).toEqual({
        errors: [
          {
            message: 'Subgraph "users" is unavailable: it could not be reached.',
            extensions: { code: "SUBGRAPH_UNAVAILABLE", serviceName: "users" },
          },
        ],
        data: {
          products: {
            nodes: [
              { name: "Product A", createdBy: null },
              { name: "Product B", createdBy: null },
            ],
          },
        },
      });
    } finally {
      await system.start("users");
    }
    await expect.poll(async () => (await ask()).result.data, { timeout: 5000 }).toEqual(FULL);
  });
});

describe("a subgraph that hangs, then flaps (SIGSTOP: it accepts connections but never answers)", () => {
  /** Batches of 3 concurrent requests until products' circuit opens (at most 6 batches). */
  async function untilCircuitOpens(): Promise<GraphQLResponse[]> {
    const seen: GraphQLResponse[] = [];
    for (let batch = 0; batch < 6 && !seen.some((response) => codeOf(response) === "CIRCUIT_OPEN"); batch++) {
      seen.push(...(await Promise.all([ask(), ask(), ask()])).map(({ result }) => result));
    }
    return seen;
  }

  /** Hangs products until its circuit is open, checks calls fail fast, resumes it, waits for the circuit to close. */
  async function hangAndRecover(cycle: string): Promise<void> {
    system.signal("products", "SIGSTOP");
    try {
      const seen = await untilCircuitOpens();
      expect(seen.map(codeOf), cycle).toContain("CIRCUIT_OPEN");
      for (const response of seen) expect(response.data).toEqual(PARTIAL);
      const open = await ask();
      expect(codeOf(open.result)).toBe("CIRCUIT_OPEN");
      expect(open.ms).toBeLessThan(500); // well under the 1000 ms timeout: products was not waited for
      expect(await productsCircuit()).toBe("open");
    } finally {
      system.signal("products", "SIGCONT");
    }
    // After 500 ms the circuit half-opens: the next call probes products, which answers, and it closes.
    await expect.poll(async () => (await ask()).result, { timeout: 5000 }).toEqual({ data: FULL });
    await expect.poll(productsCircuit, { timeout: 2000 }).toBe("closed");
  }

  it("answers promptly with SUBGRAPH_TIMEOUT for products' part, then the circuit opens and fails fast", async () => {
    system.signal("products", "SIGSTOP"); // hangAndRecover resumes it (and the harness would, at shutdown)
    const first = await ask();
    expect(first.ms).toBeLessThan(5000); // the subgraph timeout is 1000 ms
    expect(first.result).toEqual({
      errors: [
        {
          message: 'Subgraph "products" did not answer within 1000 ms.',
          extensions: { code: "SUBGRAPH_TIMEOUT", serviceName: "products" },
        },
      ],
      data: PARTIAL,
    });
    await hangAndRecover("hung"); // still hung: more timeouts until the circuit opens
  });

  it("flapping: hung and resumed again, the breaker opens, fails fast and closes again", async () => {
    await hangAndRecover("flap");
  });
});

describe("graceful shutdown on SIGTERM (last: it stops every service)", () => {
  async function sigtermWithRequestInFlight(name: string, query: string) {
    const origin = system.url(name);
    // A subgraph answers only requests the router signed: sign the direct call as the router would.
    const inFlight = await requestInFlight(origin, query, { sign: name !== "router" });
    system.signal(name, "SIGTERM");
    await expect.poll(() => refusesConnections(origin), { timeout: 5000 }).toBe(true); // stopped accepting
    expect(await system.exited(name, 0)).toBeUndefined(); // but still running: draining
    const response = await inFlight.finish();
    expect(await system.exited(name, 10_000)).toBe(0); // then exits cleanly
    return response;
  }

  it("the router stops accepting, finishes the request in flight with full data, then exits 0", async () => {
    expect(await sigtermWithRequestInFlight("router", USERS_WITH_PRODUCTS)).toEqual({
      status: 200,
      body: { data: FULL },
    });
  });

  it.each([
    ["users", "{ users { nodes { name } } }", { users: { nodes: [{ name: "Alice" }, { name: "Bob" }] } }],
    [
      "products",
      "{ products { nodes { name } } }",
      { products: { nodes: [{ name: "Product A" }, { name: "Product B" }] } },
    ],
  ] as const)(
    "%s stops accepting, finishes the request in flight, closes its database, exits 0",
    async (name, query, data) => {
      const database = system.database(name);
      if (database.engine === "sqlite") {
        expect(existsSync(`${database.file}-wal`)).toBe(true); // open, in WAL mode
      } else {
        expect(await connectionsTo(database.name)).toBeGreaterThan(0); // its pool holds a connection
      }
      expect(await sigtermWithRequestInFlight(name, query)).toEqual({ status: 200, body: { data } });
      if (database.engine === "sqlite") {
        // SQLite removes the write-ahead log when the last connection closes cleanly.
        expect(existsSync(`${database.file}-wal`)).toBe(false);
        expect(existsSync(database.file)).toBe(true);
      } else {
        expect(await connectionsTo(database.name)).toBe(0); // the pool was closed, not abandoned
      }
    },
  );
});
