import DataLoader from "dataloader";
import type { User, UserStore } from "./store/userStore.js";

/** Per-request context: the store plus request-scoped DataLoaders (one cache per request). */
export interface Context {
  store: UserStore;
  /** Batches every user lookup of one request (queries and `_entities`) into one store call. */
  userById: DataLoader<number, User | null>;
}

export function createContext(store: UserStore): Context {
  return {
    store,
    userById: new DataLoader((ids) => store.findByIds(ids), { maxBatchSize: 500 }),
  };
}
