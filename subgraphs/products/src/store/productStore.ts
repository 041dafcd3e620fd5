import { databaseEngine, EntityStore, type Page, type PageRequest } from "@supergraph/subgraph-kit";
import { type Kysely, type Selectable, sql } from "kysely";
import type { ProductsDatabase, ProductsTable } from "./schema.js";

/** A product as the rest of the service sees it (the GraphQL `Product` mapper). */
export interface Product {
  id: string;
  name: string;
  description: string | null;
  priceCents: number;
  createdById: string;
  createdAt: string;
}

/** A reference to a user owned by the users subgraph (the GraphQL `User` mapper here). */
export interface UserReference {
  id: string;
}

export interface NewProduct {
  name: string;
  description: string | null;
  priceCents: number;
  createdById: number;
}

export type ProductPatch = Partial<Omit<NewProduct, "createdById">>;

/** A page of products (the GraphQL `ProductConnection` mapper). */
export type ProductPage = Page<Product>;

/** The only module that touches the products database. Inputs are already validated. */
export class ProductStore extends EntityStore<ProductsDatabase, "products", Product> {
  constructor(db: Kysely<ProductsDatabase>) {
    super(db, "products", "Product");
  }

  protected toModel(row: Selectable<ProductsTable>): Product {
    return {
      id: String(row.id),
      name: row.name,
      description: row.description,
      priceCents: Number(row.price_cents),
      createdById: String(row.created_by),
      createdAt: row.created_at,
    };
  }

  /**
   * The same page of products for each of many creators, in one query that reads at most `first + 1`
   * rows per creator through the `(created_by, id)` index, however many products a creator has:
   * one creator, an index range scan with a limit; several, the same limited scan per creator
   * (PostgreSQL: a lateral join over the ids; SQLite: a correlated subquery per id).
   */
  async pagesByCreators(creatorIds: readonly number[], { first, afterId }: PageRequest): Promise<ProductPage[]> {
    if (creatorIds.length === 0) return [];
    const distinct = [...new Set(creatorIds)];
    const limit = first + 1;
    const after = afterId === undefined ? sql`` : sql`and id > ${afterId}`;
    let rows: Selectable<ProductsTable>[];
    if (distinct.length === 1) {
      rows = await this.db
        .selectFrom("products")
        .selectAll()
        .where("created_by", "=", distinct[0] as number)
        .$if(afterId !== undefined, (q) => q.where("id", ">", afterId as number))
        .orderBy("id")
        .limit(limit)
        .execute();
    } else if (databaseEngine(this.db as Kysely<unknown>) === "postgres") {
      ({ rows } = await sql<Selectable<ProductsTable>>`
        select page.* from unnest(${distinct}::integer[]) as creator(id)
        cross join lateral (
          select * from products where created_by = creator.id ${after} order by id limit ${limit}
        ) as page
        order by page.created_by, page.id`.execute(this.db));
    } else {
      ({ rows } = await sql<Selectable<ProductsTable>>`
        with creator(id) as (values ${sql.join(distinct.map((id) => sql`(${id})`))})
        select page.* from creator
        join products as page on page.id in (
          select id from products where created_by = creator.id ${after} order by id limit ${limit}
        )
        order by page.created_by, page.id`.execute(this.db));
    }
    const byCreator = new Map<number, Selectable<ProductsTable>[]>();
    for (const row of rows) {
      const creator = Number(row.created_by);
      const list = byCreator.get(creator) ?? [];
      list.push(row);
      byCreator.set(creator, list);
    }
    return creatorIds.map((creatorId) => {
      const list = byCreator.get(creatorId) ?? [];
      return { nodes: list.slice(0, first).map((row) => this.toModel(row)), hasNextPage: list.length > first };
    });
  }

  async create(input: NewProduct): Promise<Product> {
    const row = await this.db
      .insertInto("products")
      .values({
        name: input.name,
        description: input.description,
        price_cents: input.priceCents,
        created_by: input.createdById,
        created_at: new Date().toISOString(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return this.toModel(row);
  }

  /**
   * Bulk insert of products with their ids (the generated dataset): chunked multi-row inserts in
   * one transaction; products whose id is already there are skipped, so a second run inserts
   * nothing. Resolves with how many were inserted.
   */
  insertMany(products: readonly Product[]): Promise<number> {
    return this.insertRows(
      products.map((product) => ({
        id: Number(product.id),
        name: product.name,
        description: product.description,
        price_cents: product.priceCents,
        created_by: Number(product.createdById),
        created_at: product.createdAt,
      })),
    );
  }

  update(id: number, patch: ProductPatch): Promise<Product> {
    return this.updateById(id, {
      name: patch.name,
      description: patch.description,
      price_cents: patch.priceCents,
    });
  }
}
