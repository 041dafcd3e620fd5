import { readFileSync } from "node:fs";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { createService, type Logger, type Service } from "@supergraph/service-kit";
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
  /** Wraps the store, e.g. to count calls in tests. Default: none. */
  store?: UserStore;
}

/** Builds the users subgraph service (not listening). The caller owns `db` until `close()`, which destroys it. */
export function createServer({ db, logger, store = new UserStore(db) }: ServerDeps): Promise<Service<Context>> {
  const schema = buildSubgraphSchema({ typeDefs, resolvers } as Parameters<typeof buildSubgraphSchema>[0]);
  return createService<Context>({
    name: "users",
    logger,
    buildApollo: (base) =>
      new ApolloServer<Context>({
        schema,
        ...base,
        // Inline traces only serve GraphOS usage reporting, which this project does not use.
        plugins: [...base.plugins, ApolloServerPluginInlineTraceDisabled()],
      }),
    context: async () => createContext(store),
    checks: [{ name: "database", check: () => store.ping() }],
    onClose: () => db.destroy(),
  });
}
