import { ConflictError } from "@supergraph/service-kit";
import { EntityStore, isUniqueViolation, type Page } from "@supergraph/subgraph-kit";
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

function emailTaken(email: string): ConflictError {
  return new ConflictError("email", `The email "${email}" is already used by another user.`);
}

/**
 * The only module that touches the users database. Inputs are already validated. Lookups by id,
 * pages and deletes come from the kit's EntityStore; the unique email is this store's own.
 */
export class UserStore extends EntityStore<UsersDatabase, "users", User> {
  constructor(db: Kysely<UsersDatabase>) {
    super(db, "users", "User");
  }

  protected toModel(row: Selectable<UsersTable>): User {
    return { id: String(row.id), name: row.name, email: row.email, createdAt: row.created_at };
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
      return this.toModel(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw emailTaken(input.email);
      throw error;
    }
  }

  /**
   * Bulk insert of users with their ids (the generated dataset): chunked multi-row inserts in one
   * transaction; users whose id or email is already there are skipped, so a second run inserts
   * nothing. Resolves with how many were inserted.
   */
  insertMany(users: readonly User[]): Promise<number> {
    return this.insertRows(
      users.map(({ id, name, email, createdAt }) => ({ id: Number(id), name, email, created_at: createdAt })),
    );
  }

  async update(id: number, patch: UserPatch): Promise<User> {
    try {
      return await this.updateById(id, patch);
    } catch (error) {
      if (isUniqueViolation(error) && patch.email) throw emailTaken(patch.email);
      throw error;
    }
  }
}
