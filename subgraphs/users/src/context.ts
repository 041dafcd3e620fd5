import { type EntityContext, entityContext } from "@supergraph/subgraph-kit";
import type { UserStore } from "./store/userStore.js";

/** Per-request context: the store and `byId`, the loader that batches every user lookup of the request. */
export type Context = EntityContext<UserStore>;

export const createContext = (store: UserStore): Context => entityContext(store);
