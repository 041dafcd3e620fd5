import { defineSubgraph } from "@supergraph/subgraph-kit";
import type { Kysely } from "kysely";
import { createContext } from "./context.js";
import { generatedProducts } from "./dataset.js";
import { resolvers } from "./resolvers/index.js";
import { migrations } from "./store/migrations.js";
import { ProductStore } from "./store/productStore.js";
import type { ProductsDatabase } from "./store/schema.js";

/** The products subgraph: what the package exports as `./server`, for its process, its tests and the drift check. */
export const products = defineSubgraph({
  name: "products",
  port: 4002,
  schema: new URL("../schema.graphql", import.meta.url),
  resolvers,
  migrations,
  createStore: (db: Kysely<ProductsDatabase>) => new ProductStore(db),
  createContext,
  generatedRows: generatedProducts,
});
