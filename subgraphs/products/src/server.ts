import { readFileSync } from "node:fs";
import { createSubgraphService, type Logger, type Service } from "@supergraph/service-kit";
import { parse } from "graphql";
import type { Kysely } from "kysely";
import { type Context, createContext } from "./context.js";
import { resolvers } from "./resolvers/index.js";
import { ProductStore } from "./store/productStore.js";
import type { ProductsDatabase } from "./store/schema.js";

/** The contract: read at start, shared with composition and codegen. */
export const typeDefs = parse(readFileSync(new URL("../schema.graphql", import.meta.url), "utf8"));

export interface ServerDeps {
  db: Kysely<ProductsDatabase>;
  logger: Logger;
  /** The store over `db`; tests pass one that counts calls. */
  store?: ProductStore;
}

/** Builds the products subgraph service (not listening). `close()` destroys `db`. */
export function createServer({ db, logger, store = new ProductStore(db) }: ServerDeps): Promise<Service<Context>> {
  return createSubgraphService({
    name: "products",
    logger,
    typeDefs,
    resolvers,
    db,
    context: () => createContext(store),
  });
}
