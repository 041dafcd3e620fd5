import { ErrorCode } from "@supergraph/error-codes";
import { ConfigError, createLogger } from "@supergraph/service-kit";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import {
  classifyDatabaseError,
  DatabaseUnavailableError,
  databaseEngine,
  isDatabaseUnavailable,
  migrateToLatest,
  openDatabase,
} from "../src/index.js";
import { createTestDatabase, startTestSubgraph, testEngine } from "../src/testing.js";
import { things } from "./things.js";

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
