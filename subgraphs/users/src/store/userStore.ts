import { ConflictError, isUniqueViolation, NotFoundError, type Page, type PageRequest } from "@supergraph/service-kit";
import type { Kysely, Selectable } from "kysely";
import type { UsersDatabase, UsersTable } from "./schema.js";

/** A user as the rest of the service sees it (the GraphQL `User` mapper). */
export interface User {
  id: string;
  name: string;
  email: string;
  createdAt: string;
}

export interface NewUser {
  name: string;
  email: string;
}

export type UserPatch = Partial<NewUser>;

/** A page of users (the GraphQL `UserConnection` mapper). */
export type UserPage = Page<User>;

function toUser(row: Selectable<UsersTable>): User {
  return { id: String(row.id), name: row.name, email: row.email, createdAt: row.created_at };
}

function emailTaken(email: string): ConflictError {
  return new ConflictError("email", `The email "${email}" is already used by another user.`);
}

/** The only module that touches the users database. Inputs are already validated. */
export class UserStore {
  constructor(private readonly db: Kysely<UsersDatabase>) {}

  /** One query for any number of ids; the result is aligned with `ids` (null where unknown). */
  async findByIds(ids: readonly number[]): Promise<(User | null)[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom("users")
      .selectAll()
      .where("id", "in", [...new Set(ids)])
      .execute();
    const byId = new Map(rows.map((row) => [row.id, toUser(row)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** Keyset page ordered by id: stable while rows are added or removed. */
  async list({ first, afterId }: PageRequest): Promise<Page<User>> {
    let query = this.db
      .selectFrom("users")
      .selectAll()
      .orderBy("id")
      .limit(first + 1);
    if (afterId !== undefined) query = query.where("id", ">", afterId);
    const rows = await query.execute();
    return { nodes: rows.slice(0, first).map(toUser), hasNextPage: rows.length > first };
  }

  async count(): Promise<number> {
    const { count } = await this.db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number | string>().as("count"))
      .executeTakeFirstOrThrow();
    return Number(count);
  }

  async create(input: NewUser): Promise<User> {
    try {
      const row = await this.db
        .insertInto("users")
        .values({ ...input, created_at: new Date().toISOString() })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toUser(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw emailTaken(input.email);
      throw error;
    }
  }

  async update(id: number, patch: UserPatch): Promise<User> {
    const values = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    try {
      const row =
        Object.keys(values).length === 0
          ? await this.db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst()
          : await this.db.updateTable("users").set(values).where("id", "=", id).returningAll().executeTakeFirst();
      if (!row) throw new NotFoundError("User", String(id));
      return toUser(row);
    } catch (error) {
      if (isUniqueViolation(error) && patch.email) throw emailTaken(patch.email);
      throw error;
    }
  }

  async delete(id: number): Promise<User> {
    const row = await this.db.deleteFrom("users").where("id", "=", id).returningAll().executeTakeFirst();
    if (!row) throw new NotFoundError("User", String(id));
    return toUser(row);
  }
}
