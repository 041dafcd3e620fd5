import { afterExplicitIds, autoIncrementId, databaseEngine } from "@supergraph/subgraph-kit";
import { type Kysely, type Migration, sql } from "kysely";

/**
 * Schema and seed migrations, applied in name order on start, on SQLite or PostgreSQL (the same
 * statements, except where a comment names the dialect). Never edit one that has shipped.
 * Timestamps are ISO 8601 text in UTC on both engines, so they sort and compare alike and read back unchanged.
 */
export const migrations: Record<string, Migration> = {
  "0001_create_products": {
    async up(db: Kysely<unknown>) {
      // The id: SQLite `integer primary key autoincrement`; PostgreSQL an identity column (see autoIncrementId).
      await db.schema
        .createTable("products")
        .addColumn("id", "integer", autoIncrementId(databaseEngine(db)))
        .addColumn("name", "varchar(200)", (col) => col.notNull())
        .addColumn("description", "varchar(2000)")
        // Money is exact: integer cents (64-bit on both; PostgreSQL returns bigint as text, the store converts it).
        .addColumn("price_cents", "bigint", (col) => col.notNull().check(sql`price_cents >= 0`))
        .addColumn("created_by", "integer", (col) => col.notNull())
        .addColumn("created_at", "varchar(30)", (col) => col.notNull())
        .execute();
      // Serves User.products: the products of some users, in id order.
      await db.schema.createIndex("products_created_by_id").on("products").columns(["created_by", "id"]).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("products").execute();
    },
  },
  "0002_seed_products": {
    async up(db: Kysely<unknown>) {
      await sql`insert into products (id, name, description, price_cents, created_by, created_at) values
        (101, 'Product A', 'The first product, created by Alice.', 1999, 1, '2026-01-03T09:00:00.000Z'),
        (102, 'Product B', 'The second product, created by Bob.', 500, 2, '2026-01-04T09:00:00.000Z')`.execute(db);
      // Explicit ids: PostgreSQL's id sequence is moved past them, so the first product created gets 103 (SQLite does this itself).
      await afterExplicitIds(db, "products");
    },
    async down(db: Kysely<unknown>) {
      await sql`delete from products where id in (101, 102)`.execute(db);
    },
  },
};
