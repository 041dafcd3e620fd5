import { NotFoundError } from "@supergraph/service-kit";
import { type Insertable, type Kysely, type Selectable, sql, type Updateable } from "kysely";
import { alignById } from "./alignById.js";
import { afterExplicitIds, databaseEngine } from "./database.js";
import type { Page, PageRequest } from "./pagination.js";

/** What the kit needs of a table: an integer primary key named `id`. */
interface IdTable {
  id: number;
}

/**
 * Most bound parameters in one statement: under SQLite's limit (32,766) and PostgreSQL's (65,535),
 * so a chunk of a bulk insert is one statement on both.
 */
const MAX_PARAMETERS = 30_000;

/** Most rows in one statement of a bulk insert, whatever their width. */
const MAX_ROWS_PER_STATEMENT = 5000;

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

  /**
   * Bulk insert of rows with explicit ids (a generated dataset): one transaction of chunked
   * multi-row inserts. Rows whose id is already there are left out, and a row that collides on
   * another unique key is skipped (`on conflict do nothing`), so running it again inserts nothing.
   * On PostgreSQL a transaction-scoped advisory lock per table makes replicas starting together on
   * one database take turns: the later ones find every row there. The id sequence is then moved
   * past the explicit ids (`afterExplicitIds`), and PostgreSQL's statistics of the table refreshed
   * (`analyze`), so its planner picks the indexes from the first query on instead of after
   * autovacuum's next round. Resolves with how many rows were inserted.
   */
  protected async insertRows(rows: readonly (Insertable<DB[TB]> & { id: number })[]): Promise<number> {
    if (rows.length === 0) return 0;
    const columns = Object.keys(rows[0] as object).length;
    const perStatement = Math.max(1, Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(MAX_PARAMETERS / columns)));
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    for (const { id } of rows) {
      if (id < low) low = id;
      if (id > high) high = id;
    }
    const postgres = databaseEngine(this.db as Kysely<unknown>) === "postgres";
    const inserted = await this.table.transaction().execute(async (trx) => {
      if (postgres) {
        await sql`select pg_advisory_xact_lock(hashtext(${`insertRows:${this.tableName}`}))`.execute(trx);
      }
      const present = await trx
        .selectFrom(this.tableName)
        .select("id")
        .where("id", ">=", low)
        .where("id", "<=", high)
        .execute();
      const existing = new Set(present.map(({ id }) => Number(id)));
      const missing = existing.size === 0 ? rows : rows.filter(({ id }) => !existing.has(id));
      let added = 0;
      for (let start = 0; start < missing.length; start += perStatement) {
        const result = await trx
          .insertInto(this.tableName)
          .values(missing.slice(start, start + perStatement) as unknown as IdTable[])
          .onConflict((conflict) => conflict.doNothing())
          .executeTakeFirst();
        added += Number(result.numInsertedOrUpdatedRows ?? 0);
      }
      if (added > 0) await afterExplicitIds(trx as unknown as Kysely<unknown>, this.tableName);
      return added;
    });
    if (postgres && inserted > 0) await sql`analyze ${sql.table(this.tableName)}`.execute(this.db);
    return inserted;
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
