import { NotFoundError } from "@supergraph/service-kit";
import type { Kysely, Selectable, Updateable } from "kysely";
import { alignById } from "./alignById.js";
import type { Page, PageRequest } from "./pagination.js";

/** What the kit needs of a table: an integer primary key named `id`. */
interface IdTable {
  id: number;
}

/**
 * The part of a store that is the same for every entity table with an integer `id`: batched
 * lookups by id, keyset pages in id order, update and delete by id (NOT_FOUND when there is no such
 * row). A subgraph's store extends it with what is its own (inserts, counts, other queries) and maps
 * rows to its model in `toModel`. Only stores touch the database.
 */
export abstract class EntityStore<DB, TB extends keyof DB & string, T> {
  /** The same database, typed loosely enough for queries on any table with an `id` column. */
  private readonly table: Kysely<Record<string, IdTable>>;
  private readonly tableName: string;

  constructor(
    protected readonly db: Kysely<DB>,
    table: TB,
    /** The entity type's name, e.g. `User`: in NOT_FOUND errors, and the `entity` label of the store's metrics. */
    readonly entityName: string,
  ) {
    this.table = db as unknown as Kysely<Record<string, IdTable>>;
    this.tableName = table;
  }

  /** The model the rest of the service sees for one row. */
  protected abstract toModel(row: Selectable<DB[TB]>): T;

  private model(row: IdTable): T {
    return this.toModel(row as unknown as Selectable<DB[TB]>);
  }

  /** One query for any number of ids; the result is aligned with `ids` (null where unknown). */
  async findByIds(ids: readonly number[]): Promise<(T | null)[]> {
    if (ids.length === 0) return [];
    const rows = await this.table
      .selectFrom(this.tableName)
      .selectAll()
      .where("id", "in", [...new Set(ids)])
      .execute();
    return alignById(ids, rows, (row) => row.id).map((row) => row && this.model(row));
  }

  /** Keyset page ordered by id: stable while rows are added or removed. */
  async list({ first, afterId }: PageRequest): Promise<Page<T>> {
    let query = this.table
      .selectFrom(this.tableName)
      .selectAll()
      .orderBy("id")
      .limit(first + 1);
    if (afterId !== undefined) query = query.where("id", ">", afterId);
    const rows = await query.execute();
    return { nodes: rows.slice(0, first).map((row) => this.model(row)), hasNextPage: rows.length > first };
  }

  /** Sets the given columns (undefined ones are left alone) and returns the row; NOT_FOUND when there is none. */
  protected async updateById(id: number, values: Updateable<DB[TB]>): Promise<T> {
    const set = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
    const row =
      Object.keys(set).length === 0
        ? await this.table.selectFrom(this.tableName).selectAll().where("id", "=", id).executeTakeFirst()
        : await this.table.updateTable(this.tableName).set(set).where("id", "=", id).returningAll().executeTakeFirst();
    if (!row) throw new NotFoundError(this.entityName, String(id));
    return this.model(row);
  }

  /** Deletes the row and returns what it was; NOT_FOUND when there is none. */
  async delete(id: number): Promise<T> {
    const row = await this.table.deleteFrom(this.tableName).where("id", "=", id).returningAll().executeTakeFirst();
    if (!row) throw new NotFoundError(this.entityName, String(id));
    return this.model(row);
  }
}
