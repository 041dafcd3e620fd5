import {
  type EntityContext,
  entityContext,
  type Identity,
  keyedLoaders,
  type PageRequest,
} from "@supergraph/subgraph-kit";
import type DataLoader from "dataloader";
import type { ProductPage, ProductStore } from "./store/productStore.js";

/** Per-request context: the store, `byId` (batches every product lookup of the request), the caller, and pages by creator. */
export interface Context extends EntityContext<ProductStore> {
  /** Batches `User.products` for many users into one store call per distinct page request. */
  productsByCreator(page: PageRequest): DataLoader<number, ProductPage>;
}

export function createContext(store: ProductStore, identity: Identity | null): Context {
  return {
    ...entityContext(store, identity),
    productsByCreator: keyedLoaders(
      (page: PageRequest) => `${page.first}:${page.afterId ?? ""}`,
      (page) => (creatorIds: readonly number[]) => store.pagesByCreators(creatorIds, page),
    ),
  };
}
