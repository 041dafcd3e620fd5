import type { ColumnType, Generated } from "kysely";

/** Tables of the products database, as Kysely sees them. */
export interface ProductsDatabase {
  products: ProductsTable;
}

export interface ProductsTable {
  id: Generated<number>;
  name: string;
  description: string | null;
  /** Exact price in cents: a 64-bit integer, which PostgreSQL's driver reads as text (the store converts it). */
  price_cents: ColumnType<number | string, number, number>;
  /** Id of the user (owned by the users subgraph) who created the product. Not a foreign key: another service owns users. */
  created_by: number;
  /** ISO 8601 in UTC. */
  created_at: string;
}
