import { EntityStore, type Page, type PageRequest } from "@supergraph/subgraph-kit";
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
   * The same page of products for each of many creators, in one query: a window function numbers
   * each creator's products, and rows past `first + 1` are cut in the database.
   */
  async pagesByCreators(creatorIds: readonly number[], { first, afterId }: PageRequest): Promise<ProductPage[]> {
    if (creatorIds.length === 0) return [];
    const ranked = this.db
      .selectFrom("products")
      .selectAll()
      .select(sql<number>`row_number() over (partition by created_by order by id)`.as("rank"))
      .where("created_by", "in", [...new Set(creatorIds)])
      .$if(afterId !== undefined, (q) => q.where("id", ">", afterId as number));
    const rows = await this.db
      .selectFrom(ranked.as("ranked"))
      .selectAll()
      .where("rank", "<=", first + 1)
      .orderBy("created_by")
      .orderBy("id")
      .execute();
    const byCreator = new Map<number, Selectable<ProductsTable>[]>();
    for (const { rank: _rank, ...row } of rows) {
      const list = byCreator.get(row.created_by) ?? [];
      list.push(row);
      byCreator.set(row.created_by, list);
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

  update(id: number, patch: ProductPatch): Promise<Product> {
    return this.updateById(id, {
      name: patch.name,
      description: patch.description,
      price_cents: patch.priceCents,
    });
  }
}
