import { defineSubgraph } from "@supergraph/subgraph-kit";
import type { Kysely } from "kysely";
import { createContext } from "./context.js";
import { generatedUsers } from "./dataset.js";
import { resolvers } from "./resolvers/index.js";
import { settings } from "./settings.js";
import { migrations } from "./store/migrations.js";
import type { UsersDatabase } from "./store/schema.js";
import { UserStore } from "./store/userStore.js";

/** The users subgraph: what the package exports as `./server`, for its process, its tests and the drift check. */
export const users = defineSubgraph({
  name: "users",
  port: 4001,
  schema: new URL("../schema.graphql", import.meta.url),
  resolvers,
  migrations,
  settings,
  createStore: (db: Kysely<UsersDatabase>) => new UserStore(db),
  createContext,
  generatedRows: generatedUsers,
});
