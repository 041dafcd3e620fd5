import { type Kysely, type Migration, sql } from "kysely";

/** Schema and seed migrations, applied in name order on start. Never edit one that has shipped. */
export const migrations: Record<string, Migration> = {
  "0001_create_users": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("users")
        .addColumn("id", "integer", (col) => col.primaryKey().autoIncrement())
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
    },
    async down(db: Kysely<unknown>) {
      await sql`delete from users where id in (1, 2)`.execute(db);
    },
  },
};
