import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createTestDatabase,
  postgresSkipReason,
  type TestDatabase,
  testPostgresServer,
} from "@supergraph/subgraph-kit/testing";
import {
  bearer,
  createNetwork,
  FAST_ROUTER_ENV,
  type Host,
  type Network,
  NO_DEDUPLICATION_ENV,
  netnsSkipReason,
  type RunningProcess,
  readiness,
  routerDeployable,
  sendGraphQL,
  startService,
  startTraffic,
  subgraphDeployables,
} from "@supergraph/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The system spread over hosts, as containers on one network: each service in a network namespace
// of its own, with its own address and host name (internal/testing/src/hosts.ts). The router finds
// the subgraphs by name, and both products replicas (hosts products-1 and products-2, both also
// named `products`) through DNS discovery. Both replicas share one PostgreSQL database: the server
// of the root namespace, which the hosts reach as `postgres` (a forward on the network's gateway).
// One replica's link is cut mid-traffic: the router's per-attempt timeout moves the queries caught
// on it to the other replica, and its probes keep new ones away until it is back, so clients see no error.

/**
 * Why it cannot run here: no network namespaces (REQUIRE_NETNS=1 makes that a failure), or no
 * PostgreSQL server (REQUIRE_POSTGRES=1 makes that a failure). It runs once, on PostgreSQL, whatever
 * TEST_DATABASE says: replicas on several hosts share a database server, never a file.
 */
async function whyNot(): Promise<string | undefined> {
  const netns = await netnsSkipReason();
  if (netns) return `${netns} (REQUIRE_NETNS=1 makes this a failure)`;
  return postgresSkipReason();
}
const skipReason = await whyNot();
if (skipReason) console.warn(`multiHost.e2e.ts skipped: ${skipReason}`);

/** The documented ports: on hosts of their own, every service listens where it would in production. */
const PORTS = { router: 4000, users: 4001, products: 4002 } as const;
/** A try of a silent replica is abandoned after this long and retried on the other. */
const PER_ATTEMPT_TIMEOUT_MS = 750;

let network: Network;
let logDir: string;
const databases: TestDatabase[] = [];
const services = new Map<string, RunningProcess>();

const origin = (host: Host, port: number) => `http://${host.address}:${port}`;
const routerOrigin = () => origin(network.host("router"), PORTS.router);
const routerUrl = () => `${routerOrigin()}/graphql`;
const replicaUrl = (name: string) => `${origin(network.host(name), PORTS.products)}/graphql`;
const log = (name: string) => {
  try {
    return readFileSync(join(logDir, `${name}.log`), "utf8");
  } catch {
    return "";
  }
};

/** The warnings and errors each service logged (for a failure's message). */
function problems(): string {
  return [...services.keys()]
    .map((name) => {
      const lines = log(name)
        .split("\n")
        .filter((line) => /"level":(4|5)\d/.test(line))
        .slice(-15);
      return lines.length > 0 ? `${name} logged:\n${lines.join("\n")}` : "";
    })
    .filter(Boolean)
    .join("\n");
}

/** The database's URL as the hosts reach it: the server's user and password, at postgres:5432. */
function urlFromHosts(database: TestDatabase): string {
  const url = new URL(database.url);
  url.hostname = "postgres";
  url.port = "5432";
  return url.href;
}

/** Starts a service's built entry in `host`, listening on 0.0.0.0:`port` there; resolves once its /health answers. */
async function startOn(host: Host, entry: string, port: number, env: Record<string, string>): Promise<void> {
  const child = await startService(host.name, origin(host, port), host.command([process.execPath, entry]), {
    env: { HOST: "0.0.0.0", PORT: String(port), LOG_LEVEL: "debug", ...env },
    logFile: join(logDir, `${host.name}.log`),
    startTimeoutMs: 30_000,
  });
  services.set(host.name, child);
}

/** Starts a subgraph in `host` on `database` (its own SQLite file in the log folder, should it ever ignore the URL). */
async function startSubgraphOn(host: Host, subgraph: string, port: number, database: TestDatabase): Promise<void> {
  const entry = subgraphDeployables().find(({ name }) => name === subgraph)?.entry;
  if (!entry) throw new Error(`supergraph.yaml has no subgraph ${subgraph}`);
  await startOn(host, entry, port, {
    DATABASE_URL: urlFromHosts(database),
    DATABASE_FILE: join(logDir, `${host.name}.db`),
  });
}

describe.skipIf(skipReason !== undefined)("the system on hosts of its own (network namespaces)", () => {
  beforeAll(async () => {
    logDir = mkdtempSync(join(tmpdir(), "supergraph-multihost-"));
    network = await createNetwork();
    const server = new URL(testPostgresServer());
    await network.forward(5432, { host: server.hostname, port: Number(server.port || 5432) });
    network.addName("postgres", network.gateway);
    const users = await network.addHost("users");
    const products = [
      await network.addHost("products-1", { aliases: ["products"] }),
      await network.addHost("products-2", { aliases: ["products"] }),
    ];
    const router = await network.addHost("router");

    const usersDb = await createTestDatabase("multihost_users");
    databases.push(usersDb);
    const productsDb = await createTestDatabase("multihost_products");
    databases.push(productsDb);
    await startSubgraphOn(users, "users", PORTS.users, usersDb);
    // Both replicas start at once on one database, as `--scale products=2` starts them.
    await Promise.all(products.map((host) => startSubgraphOn(host, "products", PORTS.products, productsDb)));
    await startOn(router, routerDeployable().entry, PORTS.router, {
      ...FAST_ROUTER_ENV,
      // Replicas' tries are counted per client query: concurrent identical queries must not share one.
      ...NO_DEDUPLICATION_ENV,
      SUBGRAPH_USERS_URL: `http://users:${PORTS.users}/graphql`,
      SUBGRAPH_PRODUCTS_URL: `http://products:${PORTS.products}/graphql`,
      ROUTER_SUBGRAPHS__ALL__DISCOVERY: "dns",
      ROUTER_SUBGRAPHS__ALL__TIMEOUT_MS: "5000",
      ROUTER_SUBGRAPHS__ALL__RETRY__PER_ATTEMPT_TIMEOUT_MS: String(PER_ATTEMPT_TIMEOUT_MS),
      // Probes ask each replica's readiness, which checks its database: a replica whose link is back
      // but whose database is not yet (its host still relearning the way to the gateway) gets no queries.
      ROUTER_SUBGRAPHS__ALL__HEALTH_CHECK__PATH: "/ready",
      ROUTER_SUBGRAPHS__ALL__CIRCUIT_BREAKER__RESET_TIMEOUT_MS: "1000",
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...services.values()].map((child) => child.stop()));
    await Promise.all(databases.map((database) => database.drop()));
    await network?.close();
    if (logDir) rmSync(logDir, { recursive: true, force: true });
  }, 60_000);

  it("runs every subgraph instance on PostgreSQL, reached as `postgres` through the gateway", async () => {
    for (const name of ["users", "products-1", "products-2"]) {
      // Log lines are buffered: wait for the one that names the engine.
      const ready = () =>
        log(name)
          .split("\n")
          .find((line) => line.includes('"database ready"')) ?? "";
      await expect.poll(ready, { timeout: 5000, message: `${name}:\n${log(name)}` }).toContain('"engine":"postgres"');
    }
  });

  it("gives every service a host name that the others resolve; `products` names both replicas", async () => {
    const router = network.host("router");
    expect((await router.run("hostname", [])).stdout.trim()).toBe("router");
    const lookup = async (name: string) => {
      const script =
        "require('node:dns').lookup(process.argv[1], { all: true }, (e, a) => console.log(JSON.stringify(e ? e.code : a.map((x) => x.address).sort())))";
      return JSON.parse((await router.run(process.execPath, ["-e", script, name])).stdout) as unknown;
    };
    const addressOf = (name: string) => network.host(name).address;
    expect(await lookup("users")).toEqual([addressOf("users")]);
    expect(await lookup("products")).toEqual([addressOf("products-1"), addressOf("products-2")].sort());
    expect(await lookup("postgres")).toEqual([network.gateway]);

    // The router's DNS discovery made one replica per address of `products`.
    const { body } = await readiness(routerOrigin());
    expect(body.subgraphs.products?.replicas.map((replica) => new URL(replica.url).hostname).sort()).toEqual(
      [addressOf("products-1"), addressOf("products-2")].sort(),
    );
    expect(body.subgraphs.products?.status).toBe("up");
  });

  it("a product created through the router is served by both replicas, from their one database", async () => {
    const created = await sendGraphQL<{ createProduct: { id: string; createdBy: { name: string } } }>(
      routerUrl(),
      "mutation ($input: CreateProductInput!) { createProduct(input: $input) { id createdBy { name } } }",
      { headers: await bearer("1"), variables: { input: { name: "Made across hosts", price: "12.34" } } },
    );
    expect(created.body.errors, JSON.stringify(created.body)).toBeUndefined();
    expect(created.body.data?.createProduct.createdBy).toEqual({ name: "Alice" });
    const id = created.body.data?.createProduct.id ?? "";

    for (const replica of ["products-1", "products-2"]) {
      // Signed as the router signs, straight to the replica's host.
      const read = await sendGraphQL(replicaUrl(replica), "query ($id: ID!) { product(id: $id) { id name price } }", {
        variables: { id },
        sign: true,
      });
      expect(read.body, `${replica}:\n${log(replica).slice(-2000)}`).toEqual({
        data: { product: { id, name: "Made across hosts", price: "12.34" } },
      });
    }
  });

  it("keeps answering queries while one replica's link is cut, without a client-visible error, and uses it again once restored", async () => {
    const query = "{ products(first: 100) { nodes { id name price createdBy { name } } } }";
    const expected = (await sendGraphQL(routerUrl(), query)).body;
    expect(expected.errors).toBeUndefined();
    const tries = async () => {
      const { body } = await readiness(routerOrigin());
      const byHost = new Map(
        body.subgraphs.products?.replicas.map((replica) => [new URL(replica.url).hostname, replica.requests]),
      );
      return {
        cut: byHost.get(network.host("products-1").address) ?? 0,
        other: byHost.get(network.host("products-2").address) ?? 0,
        status: body.subgraphs.products?.status,
        state: JSON.stringify(body.subgraphs.products),
      };
    };
    const traffic = startTraffic(routerUrl(), query, { concurrency: 3, maxRequests: 4000, maxMs: 50_000 });
    try {
      await expect.poll(() => traffic.samples.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(30);
      const before = await tries();
      expect(before.cut, before.state).toBeGreaterThan(5); // round robin: both replicas serve
      expect(before.other, before.state).toBeGreaterThan(5);

      await network.host("products-1").cutLink(); // mid-traffic: the host goes silent
      await expect.poll(async () => (await tries()).status, { timeout: 10_000 }).toBe("degraded");
      const cut = await tries();
      const sentAtCut = traffic.samples.length;
      await expect.poll(() => traffic.samples.length - sentAtCut, { timeout: 15_000 }).toBeGreaterThanOrEqual(60);
      const during = await tries();
      expect(during.other - cut.other, during.state).toBeGreaterThanOrEqual(60); // the other replica serves them
      expect(during.cut - cut.cut, during.state).toBeLessThanOrEqual(5); // the silent one is routed around

      await network.host("products-1").restoreLink();
      await expect.poll(async () => (await tries()).status, { timeout: 15_000 }).toBe("up");
      const restored = await tries();
      await expect.poll(async () => (await tries()).cut - restored.cut, { timeout: 10_000 }).toBeGreaterThan(5); // it serves again
    } finally {
      await traffic.stop();
    }

    const failed = traffic.samples.filter((sample) => sample.status !== 200 || sample.body?.errors);
    expect(failed, `${failed.length} of ${traffic.samples.length} failed; ${problems()}`).toEqual([]);
    for (const sample of traffic.samples) expect(sample.body).toEqual(expected);
  }, 90_000);
});
