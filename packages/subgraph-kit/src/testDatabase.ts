/**
 * Throwaway PostgreSQL databases for tests, and which engine a test run uses. `TEST_DATABASE`
 * (`sqlite`, the default, or `postgres`) picks the engine of the subgraph fixture and of the
 * real-process harness; `TEST_POSTGRES_URL` says which server (default: the local one, as
 * `postgres://postgres@127.0.0.1:5432/postgres`). Each database is created for one test and dropped after it.
 */
import { randomBytes } from "node:crypto";
import { redactUrl } from "@supergraph/service-kit";
import pg from "pg";
import type { DatabaseEngine } from "./database.js";

export const TEST_DATABASE_VARIABLE = "TEST_DATABASE";
export const TEST_POSTGRES_URL_VARIABLE = "TEST_POSTGRES_URL";
const DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres";

/** The engine this test run uses: TEST_DATABASE, else SQLite. */
export function testEngine(source: NodeJS.ProcessEnv = process.env): DatabaseEngine {
  const value = source[TEST_DATABASE_VARIABLE]?.trim().toLowerCase() || "sqlite";
  if (value !== "sqlite" && value !== "postgres") {
    throw new Error(`${TEST_DATABASE_VARIABLE}: expected sqlite or postgres, got ${value}`);
  }
  return value;
}

/** The PostgreSQL server tests use (a URL of its maintenance database). */
export function testPostgresServer(source: NodeJS.ProcessEnv = process.env): string {
  return source[TEST_POSTGRES_URL_VARIABLE]?.trim() || DEFAULT_SERVER;
}

/** Resolves when the test server answers; rejects saying why not. */
async function probePostgres(server = testPostgresServer()): Promise<void> {
  const client = new pg.Client({ connectionString: server, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("select 1");
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Why tests that need the test server cannot run here (it does not answer), or undefined when they
 * can. With REQUIRE_POSTGRES=1 (CI) its absence is an error instead: it throws, and nothing skips.
 */
export async function postgresSkipReason(source: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const server = testPostgresServer(source);
  try {
    await probePostgres(server);
    return undefined;
  } catch (error) {
    const why = `no PostgreSQL server at ${redactUrl(server)} (${(error as Error).message})`;
    if (source.REQUIRE_POSTGRES === "1") throw new Error(`${why}, and REQUIRE_POSTGRES=1`);
    return `${why} (REQUIRE_POSTGRES=1 makes this a failure)`;
  }
}

export interface TestDatabase extends AsyncDisposable {
  /** `postgres://…/<name>`: what DATABASE_URL is set to. */
  url: string;
  name: string;
  /** Drops the database if it exists, closing whatever connections are left. */
  drop(): Promise<void>;
}

async function onServer<T>(server: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: server, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A new empty database on the test server, named `test_<label>_<random>`. */
export async function createTestDatabase(label: string, server = testPostgresServer()): Promise<TestDatabase> {
  const name = `test_${label.replace(/[^a-z0-9]+/gi, "_").toLowerCase()}_${randomBytes(5).toString("hex")}`.slice(
    0,
    63,
  );
  await onServer(server, (client) => client.query(`create database "${name}"`));
  const url = new URL(server);
  url.pathname = `/${name}`;
  const drop = () =>
    onServer(server, async (client) => {
      await client.query(`drop database if exists "${name}" with (force)`);
    });
  return { url: url.href, name, drop, [Symbol.asyncDispose]: drop };
}

/** How many sessions the test server has open on database `name` (pg_stat_activity). */
export async function connectionsTo(name: string, server = testPostgresServer()): Promise<number> {
  const { rows } = await onServer(server, (client) =>
    client.query<{ count: string }>("select count(*) as count from pg_stat_activity where datname = $1", [name]),
  );
  return Number(rows[0]?.count ?? 0);
}

/** Runs one query on database `url` (its own connection) and returns the rows. */
export async function queryDatabase<R extends Record<string, unknown>>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  return onServer(url, async (client) => (await client.query<R>(text, values)).rows);
}
