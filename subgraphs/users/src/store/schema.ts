import type { Generated } from "kysely";

/** Tables of the users database, as Kysely sees them. */
export interface UsersDatabase {
  users: UsersTable;
}

export interface UsersTable {
  id: Generated<number>;
  name: string;
  /** Lower case; unique. */
  email: string;
  /** ISO 8601 in UTC. */
  created_at: string;
}
