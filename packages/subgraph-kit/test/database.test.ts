import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ErrorCode } from "@supergraph/error-codes";
import { ConfigError, createLogger } from "@supergraph/service-kit";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import {
  buildSubgraphService,
  classifyDatabaseError,
  DatabaseUnavailableError,
  databaseEngine,
  isDatabaseUnavailable,
  migrateToLatest,
  openDatabase,
} from "../src/index.js";
import { createTestDatabase, signedPost, startTestSubgraph, testEngine } from "../src/testing.js";
import { generatedThings, things } from "./things.js";

const silent = createLogger({ service: "kit-test", level: "silent" });
const engine = testEngine();

describe("where a subgraph keeps its data (DATABASE_URL, DATABASE_FILE)", () => {
  it("uses SQLite without DATABASE_URL, and PostgreSQL with a postgres:// URL it never shows in logs or JSON", () => {
    expect(things.readConfig({}).database).toMatchObject({ url: undefined, poolMax: 10 });
    const config = things.readConfig({
      DATABASE_URL: "postgres://things:s3cret@db.internal:5432/things",
      DATABASE_POOL_MAX: "4",
    });
    expect(config.database.url).toBe("postgres://things:s3cret@db.internal:5432/things");
    expect(config.database.poolMax).toBe(4);
    expect(JSON.stringify(config)).not.toContain("s3cret");
  });

  it.each([
    ["mysql://things:s3cret@db:3306/things", /DATABASE_URL: expected a PostgreSQL URL/],
    ["postgres://things:s3cret@db:5432", /DATABASE_URL: name the database/],
  ])("refuses DATABASE_URL=%s at start, naming the variable and never the password", (url, message) => {
    let error: unknown;
    try {
      things.readConfig({ DATABASE_URL: url });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("s3cret");
  });

  it("refuses a pool size that is not a whole number of connections", () => {
    expect(() => things.readConfig({ DATABASE_POOL_MAX: "0" })).toThrow(/DATABASE_POOL_MAX/);
    expect(() => things.readConfig({ DATABASE_POOL_MAX: "many" })).toThrow(/DATABASE_POOL_MAX/);
  });
});

describe(`migrations on ${engine}`, () => {
  it("are versioned and idempotent: a second run applies nothing and changes nothing", async () => {
    await using subgraph = await startTestSubgraph(things);
    expect(databaseEngine(subgraph.db as never)).toBe(engine);
    const before = await subgraph.run("{ things { nodes { id label } } }");
    await migrateToLatest(subgraph.db, things.migrations, silent);
    const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(subgraph.db);
    expect(applied.rows.map(({ name }) => name)).toEqual(["0001_things"]);
    expect(await subgraph.run("{ things { nodes { id label } } }")).toEqual(before);
  });

  it("give the first row inserted after the seed's explicit ids the next id", async () => {
    await using subgraph = await startTestSubgraph(things);
    const created = await subgraph.run('mutation { createThing(input: { label: "four" }) { id } }', undefined, {
      identity: { userId: "1", scopes: [] },
    });
    expect(created).toEqual({ data: { createThing: { id: "4" } } });
  });

  it.runIf(engine === "postgres")(
    "run once when several replicas migrate one new database at the same moment (the migrator's lock)",
    async () => {
      await using database = await createTestDatabase("race");
      const replicas = await Promise.all(
        [1, 2, 3, 4, 5].map(() => openDatabase({ url: database.url, filename: "", poolMax: 2, logger: silent })),
      );
      try {
        await Promise.all(replicas.map(({ db }) => migrateToLatest(db, things.migrations, silent)));
        const [first] = replicas;
        if (!first) throw new Error("no replica");
        const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(first.db);
        expect(applied.rows.map(({ name }) => name)).toEqual(["0001_things"]);
        const rows = await sql<{ id: number }>`select id from things order by id`.execute(first.db);
        expect(rows.rows.map(({ id }) => id)).toEqual([1, 2, 3]);
      } finally {
        await Promise.all(replicas.map(({ db }) => db.destroy()));
      }
    },
  );

  it.runIf(engine === "postgres")("creates the database a postgres:// URL names when it is missing", async () => {
    const database = await createTestDatabase("create");
    await database.drop();
    try {
      const { db, engine: opened, location } = await openDatabase({ url: database.url, filename: "", logger: silent });
      expect(opened).toBe("postgres");
      expect(location).toContain(database.name);
      await migrateToLatest(db, things.migrations, silent);
      await db.destroy();
    } finally {
      await database.drop();
    }
  });
});

describe(`the generated dataset on ${engine} (SEED_DATASET=generated)`, () => {
  const dataset = (users: number) => ({ users, products: 1, randomSeed: 1 });
  const ids = async (db: unknown) =>
    (await sql<{ id: number }>`select id from things order by id`.execute(db as never)).rows.map(({ id }) => id);

  it("is bulk-inserted in statements of a few thousand rows, once: a second run inserts nothing", async () => {
    await using subgraph = await startTestSubgraph(things);
    const statements: string[] = [];
    const { db } = subgraph;
    const logged = db.withPlugin({
      transformQuery: (args) => {
        if (args.node.kind === "InsertQueryNode") statements.push(args.queryId.queryId);
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    expect(await things.seedGeneratedDataset(logged, dataset(12_000), silent)).toEqual({
      expected: 12_000,
      inserted: 12_000,
    });
    expect(statements.length).toBeGreaterThan(1);
    expect(statements.length).toBeLessThanOrEqual(6);
    const after = await ids(db);
    expect(after).toHaveLength(12_003);
    expect(after.slice(2, 5)).toEqual([3, 2_000_001, 2_000_002]);
    expect(after.at(-1)).toBe(2_012_000);
    expect(await things.seedGeneratedDataset(db, dataset(12_000), silent)).toEqual({ expected: 12_000, inserted: 0 });
    expect(await ids(db)).toEqual(after);
  });

  it("fills in only the rows that are missing, and the next row created takes the id after the largest", async () => {
    await using subgraph = await startTestSubgraph(things, { dataset: dataset(10) });
    await sql`delete from things where id = 2000004`.execute(subgraph.db);
    expect(await things.seedGeneratedDataset(subgraph.db, dataset(20), silent)).toEqual({ expected: 20, inserted: 11 });
    const rows = await sql<{
      id: number;
      label: string;
    }>`select id, label from things where id > 3 order by id`.execute(subgraph.db);
    expect(rows.rows.map(({ id, label }) => ({ id: String(id), label }))).toEqual(generatedThings(20));
    const created = await subgraph.run('mutation { createThing(input: { label: "new" }) { id } }');
    expect(created).toEqual({ data: { createThing: { id: "2000021" } } });
  });

  it.runIf(engine === "postgres")(
    "is inserted once when several replicas start together on one database (each waits for the one inserting)",
    async () => {
      await using database = await createTestDatabase("seed_race");
      const replicas = await Promise.all(
        [1, 2, 3, 4, 5].map(() => openDatabase({ url: database.url, filename: "", poolMax: 2, logger: silent })),
      );
      try {
        const reports = await Promise.all(
          replicas.map(async ({ db }) => {
            await migrateToLatest(db, things.migrations, silent);
            return things.seedGeneratedDataset(db as never, dataset(3000), silent);
          }),
        );
        expect(reports.map(({ inserted }) => inserted).sort((a, b) => b - a)).toEqual([3000, 0, 0, 0, 0]);
        const [first] = replicas;
        if (!first) throw new Error("no replica");
        expect(await ids(first.db)).toHaveLength(3003);
      } finally {
        await Promise.all(replicas.map(({ db }) => db.destroy()));
      }
    },
  );

  it("is inserted at start by the subgraph's process (buildSubgraphService) when SEED_DATASET=generated", async () => {
    const folder = await mkdtemp(join(tmpdir(), "kit-seed-"));
    const scratch = engine === "postgres" ? await createTestDatabase("seed_start") : undefined;
    const where = scratch ? { DATABASE_URL: scratch.url } : { DATABASE_FILE: join(folder, "things.db") };
    const env = { ...where, LOG_LEVEL: "silent", SEED_DATASET: "generated", SEED_USERS: "25" };
    try {
      for (const start of ["first", "second"]) {
        const { service } = await buildSubgraphService(things, env);
        const { port } = await service.listen(0, "127.0.0.1");
        const response = await signedPost(`http://127.0.0.1:${port}/graphql`, {
          query: "{ things(first: 100) { nodes { id } } }",
        });
        await service.close();
        const nodes = ((await response.json()) as { data: { things: { nodes: { id: string }[] } } }).data.things.nodes;
        expect(
          nodes.map(({ id }) => id),
          `after the ${start} start`,
        ).toEqual(["1", "2", "3", ...generatedThings(25).map(({ id }) => id)]);
      }
    } finally {
      await scratch?.drop();
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe("a database that does not answer", () => {
  it.each([
    Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }),
    Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }),
    Object.assign(new Error("connection failure"), { code: "08006" }),
    new Error("Connection terminated unexpectedly"),
    new Error("timeout exceeded when trying to connect"),
    Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" }),
    new Error("failed", { cause: Object.assign(new Error("reset"), { code: "ECONNRESET" }) }),
  ])("is DATABASE_UNAVAILABLE: %s", (error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
    const coded = classifyDatabaseError(error);
    expect(coded).toBeInstanceOf(DatabaseUnavailableError);
    expect(coded?.code).toBe(ErrorCode.DATABASE_UNAVAILABLE);
  });

  it.each([
    Object.assign(new Error("duplicate key value violates unique constraint"), { code: "23505" }),
    Object.assign(new Error("syntax error"), { code: "42601" }),
    new Error("something else"),
    "not an error",
  ])("is not, for a query the database refused or any other failure: %s", (error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
    expect(classifyDatabaseError(error)).toBeUndefined();
  });
});
