import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "@supergraph/service-kit";
import SQLite from "better-sqlite3";
import { Kysely, type Migration, Migrator, SqliteDialect, sql } from "kysely";

export interface SqliteOptions {
  /** Database file; its folder is created if missing. `:memory:` for a throw-away database. */
  filename: string;
}

/**
 * Opens an embedded SQLite database through Kysely, tuned for a small service: WAL journal
 * (readers never block the writer), foreign keys on, and a busy timeout instead of SQLITE_BUSY.
 */
export function openSqlite<DB>({ filename }: SqliteOptions): Kysely<DB> {
  if (filename !== ":memory:") mkdirSync(dirname(filename), { recursive: true });
  const database = new SQLite(filename);
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = NORMAL");
  database.pragma("foreign_keys = ON");
  database.pragma("busy_timeout = 5000");
  return new Kysely<DB>({ dialect: new SqliteDialect({ database }) });
}

/**
 * Applies every migration not yet applied, in name order, each in its own transaction.
 * Throws (and the service refuses to start) if one fails.
 */
export async function migrateToLatest<DB>(
  db: Kysely<DB>,
  migrations: Record<string, Migration>,
  logger: Logger,
): Promise<void> {
  const migrator = new Migrator({ db: db as Kysely<unknown>, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  for (const result of results ?? []) {
    if (result.status === "Success") logger.info({ migration: result.migrationName }, "migration applied");
    if (result.status === "Error") logger.error({ migration: result.migrationName }, "migration failed");
  }
  if (error) throw error;
}

/** Cheap liveness probe of the database connection. */
export async function pingDatabase<DB>(db: Kysely<DB>): Promise<void> {
  await sql`select 1`.execute(db);
}

/** True when `error` is a unique-constraint violation, on SQLite or PostgreSQL. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "23505";
}
