import type { PageRequest } from "@supergraph/service-kit";
import DataLoader from "dataloader";
import type { Product, ProductPage, ProductStore } from "./store/productStore.js";

/** Per-request context: the store plus request-scoped DataLoaders (one cache per request). */
export interface Context {
  store: ProductStore;
  /** Batches every product lookup of one request (queries and `_entities`) into one store call. */
  productById: DataLoader<number, Product | null>;
  /** Batches `User.products` for many users into one store call per distinct page request. */
  productsByCreator(page: PageRequest): DataLoader<number, ProductPage>;
}

export function createContext(store: ProductStore): Context {
  const byPage = new Map<string, DataLoader<number, ProductPage>>();
  return {
    store,
    productById: new DataLoader((ids) => store.findByIds(ids), { maxBatchSize: 500 }),
    productsByCreator(page) {
      const key = `${page.first}:${page.afterId ?? ""}`;
      let loader = byPage.get(key);
      if (!loader) {
        loader = new DataLoader((creatorIds) => store.pagesByCreators(creatorIds, page), { maxBatchSize: 500 });
        byPage.set(key, loader);
      }
      return loader;
    },
  };
}
