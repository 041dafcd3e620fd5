import { afterExplicitIds, autoIncrementId, databaseEngine } from "@supergraph/subgraph-kit";
import { type Kysely, type Migration, sql } from "kysely";

/**
 * Schema and seed migrations, applied in name order on start, on SQLite or PostgreSQL (the same
 * statements, except where a comment names the dialect). Never edit one that has shipped.
 * Timestamps are ISO 8601 text in UTC on both engines, so they sort and compare alike and read back unchanged.
 */
export const migrations: Record<string, Migration> = {
  "0001_create_users": {
    async up(db: Kysely<unknown>) {
      // The id: SQLite `integer primary key autoincrement`; PostgreSQL an identity column (see autoIncrementId).
      await db.schema
        .createTable("users")
        .addColumn("id", "integer", autoIncrementId(databaseEngine(db)))
        .addColumn("name", "varchar(100)", (col) => col.notNull())
        .addColumn("email", "varchar(254)", (col) => col.notNull())
        .addColumn("created_at", "varchar(30)", (col) => col.notNull())
        .execute();
      await db.schema.createIndex("users_email_unique").on("users").column("email").unique().execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("users").execute();
    },
  },
  "0002_seed_users": {
    async up(db: Kysely<unknown>) {
      await sql`insert into users (id, name, email, created_at) values
        (1, 'Alice', 'alice@example.com', '2026-01-01T09:00:00.000Z'),
        (2, 'Bob', 'bob@example.com', '2026-01-02T09:00:00.000Z')`.execute(db);
      // Explicit ids: PostgreSQL's id sequence is moved past them, so the first sign-up gets 3 (SQLite does this itself).
      await afterExplicitIds(db, "users");
    },
    async down(db: Kysely<unknown>) {
      await sql`delete from users where id in (1, 2)`.execute(db);
    },
  },
};
