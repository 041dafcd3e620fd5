import { readFileSync } from "node:fs";
import { createSubgraphService, type Logger, type Service } from "@supergraph/service-kit";
import { parse } from "graphql";
import type { Kysely } from "kysely";
import { type Context, createContext } from "./context.js";
import { resolvers } from "./resolvers/index.js";
import type { UsersDatabase } from "./store/schema.js";
import { UserStore } from "./store/userStore.js";

/** The contract: read at start, shared with composition and codegen. */
export const typeDefs = parse(readFileSync(new URL("../schema.graphql", import.meta.url), "utf8"));

export interface ServerDeps {
  db: Kysely<UsersDatabase>;
  logger: Logger;
  /** The store over `db`; tests pass one that counts calls. */
  store?: UserStore;
}

/** Builds the users subgraph service (not listening). `close()` destroys `db`. */
export function createServer({ db, logger, store = new UserStore(db) }: ServerDeps): Promise<Service<Context>> {
  return createSubgraphService({
    name: "users",
    logger,
    typeDefs,
    resolvers,
    db,
    context: () => createContext(store),
  });
}
