import { type Logger, redactUrl } from "@supergraph/service-kit";
import pg from "pg";

/** A PostgreSQL URL's scheme: `postgres://` or `postgresql://`. */
export const POSTGRES_URL = /^postgres(ql)?:\/\//i;

export interface PostgresOptions {
  /** `postgres://user:password@host:5432/database`; the database is created if missing. */
  url: string;
  /** Most connections the pool opens. */
  poolMax: number;
  logger: Logger;
}

/** The database a URL names (its path), e.g. `products`. */
export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ""));
  if (name === "") throw new Error(`${redactUrl(url)} names no database: add one, e.g. /products`);
  return name;
}

const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** PostgreSQL's SQLSTATE codes this module expects. */
const UNKNOWN_DATABASE = "3D000";
const DUPLICATE_DATABASE = "42P04";
const UNIQUE_VIOLATION = "23505";

/**
 * Creates the database `url` names when it does not exist, from the server's `postgres` database
 * with the same credentials. Replicas starting together may race: the loser's "already exists" is
 * success. A role that may not create databases gets its database from whoever provisions the
 * server (Compose's init script, a managed service); it is only created here when missing.
 */
export async function ensureDatabase(url: string, logger: Logger): Promise<void> {
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await probe.connect();
    return;
  } catch (error) {
    if ((error as { code?: unknown }).code !== UNKNOWN_DATABASE) throw error;
  } finally {
    await probe.end().catch(() => undefined);
  }
  const name = databaseName(url);
  const maintenance = new URL(url);
  maintenance.pathname = "/postgres";
  const admin = new pg.Client({ connectionString: maintenance.href, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`create database ${quoteIdentifier(name)}`);
    logger.info({ database: name }, "database created");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== DUPLICATE_DATABASE && code !== UNIQUE_VIOLATION) throw error;
  } finally {
    await admin.end().catch(() => undefined);
  }
}

/**
 * A bounded pool over `url`. A connection that breaks while idle (the server restarted, the network
 * dropped) is logged and discarded, never a crash; the next query opens a new one, so the service
 * recovers by itself when the database returns. A query waits at most `connectionTimeoutMillis`
 * for a connection, so an unreachable database fails requests fast instead of queueing them.
 */
export function createPool({ url, poolMax, logger }: PostgresOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
    // A query the server never answers (a host cut off mid-query) fails instead of holding its request forever.
    query_timeout: 15_000,
    // Detects a dead server under a silent network instead of waiting for the kernel's timeout.
    keepAlive: true,
  });
  pool.on("error", (error) => logger.warn({ err: error }, "a database connection broke; it is replaced on next use"));
  return pool;
}
