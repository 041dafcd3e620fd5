import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, queryDatabase, type TestDatabase, testEngine } from "@supergraph/subgraph-kit/testing";
import {
  freePort,
  type RunningProcess,
  type System,
  sendGraphQL,
  startService,
  startSystem,
  subgraphDeployables,
} from "@supergraph/testing";
import { forwardTcp, type TcpForward } from "@supergraph/testing/hosts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * A subgraph on PostgreSQL when its database goes away and comes back, and replicas that start
 * together on one new database (real processes). SQLite is embedded in the process: it cannot be
 * lost while the process runs, nor shared by replicas on several hosts, so these run on PostgreSQL only.
 */
const onPostgres = testEngine() === "postgres";
const SERVER = { host: "127.0.0.1", port: 5432 };

describe.runIf(onPostgres)("users loses its PostgreSQL connection, then gets it back (real processes)", () => {
  let system: System;
  let database: TestDatabase;
  let port: number;
  let forward: TcpForward | undefined;
  beforeAll(async () => {
    database = await createTestDatabase("outage");
    port = await freePort();
    // users reaches PostgreSQL through a forward the test can close: closed, the database is unreachable.
    forward = await forwardTcp({ host: "127.0.0.1", port }, SERVER);
    const url = new URL(database.url);
    url.port = String(port);
    system = await startSystem({ env: { users: { DATABASE_URL: url.href } } });
  });
  afterAll(async () => {
    await system?.shutdown();
    await forward?.close();
    await database?.drop();
  });

  const users = () => sendGraphQL(system.routerUrl, "{ users { nodes { name } } }");
  const get = async (path: string) => (await fetch(`${system.url("users")}${path}`)).status;

  it("answers DATABASE_UNAVAILABLE and fails /ready while /live stays up, then recovers by itself", async () => {
    expect((await users()).body).toEqual({ data: { users: { nodes: [{ name: "Alice" }, { name: "Bob" }] } } });
    const pid = system.pid("users");

    await forward?.close(); // open connections dropped, new ones refused
    forward = undefined;
    const { body } = await users();
    expect(body.data).toBeNull();
    expect(body.errors?.map((error) => error.extensions)).toEqual([
      expect.objectContaining({ code: "DATABASE_UNAVAILABLE", serviceName: "users" }),
    ]);
    expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|Connection terminated|postgres/i);
    expect(await get("/ready")).toBe(503); // out of rotation...
    expect(await get("/live")).toBe(200); // ...but alive: an orchestrator must not restart it
    // The rest of the graph keeps serving.
    const products = await sendGraphQL(system.routerUrl, "{ products { nodes { name } } }");
    expect(products.body.errors).toBeUndefined();

    forward = await forwardTcp({ host: "127.0.0.1", port }, SERVER); // the database is back
    await expect.poll(async () => (await users()).body.errors, { timeout: 15_000 }).toBeUndefined();
    expect(await get("/ready")).toBe(200);
    expect(system.pid("users")).toBe(pid); // recovered without a restart
    // Services write their log lines within 200 ms (buffered): wait for it.
    await expect
      .poll(() => system.logs("users"), { timeout: 5000 })
      .toMatch(/DATABASE_UNAVAILABLE|database is unavailable/);
  });
});

describe.runIf(onPostgres)("replicas starting together on one new PostgreSQL database (real processes)", () => {
  const replicas: RunningProcess[] = [];
  let database: TestDatabase;
  const logs = mkdtempSync(join(tmpdir(), "supergraph-migrate-"));
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await database?.drop();
    rmSync(logs, { recursive: true, force: true });
  });

  it("four products processes started at once all come up; each migration and the seed are applied once", async () => {
    database = await createTestDatabase("migrate");
    await database.drop(); // gone: the first replica to get there creates it
    const products = subgraphDeployables().find(({ name }) => name === "products");
    if (!products) throw new Error("no products subgraph in supergraph.yaml");
    const started = await Promise.all(
      [1, 2, 3, 4].map(async (index) => {
        const origin = `http://127.0.0.1:${await freePort()}`;
        return startService(`products-${index}`, origin, [process.execPath, products.entry], {
          env: { DATABASE_URL: database.url },
          logFile: join(logs, `products-${index}.log`),
        });
      }),
    );
    replicas.push(...started);
    const migrations = await queryDatabase<{ name: string }>(
      database.url,
      "select name from kysely_migration order by name",
    );
    expect(migrations.map(({ name }) => name)).toEqual(["0001_create_products", "0002_seed_products"]);
    const rows = await queryDatabase<{ id: number }>(database.url, "select id from products order by id");
    expect(rows.map(({ id }) => id)).toEqual([101, 102]);
  });
});
