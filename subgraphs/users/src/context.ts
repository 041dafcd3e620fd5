import { type EntityContext, entityContext, type Identity, type SettingsOf } from "@supergraph/subgraph-kit";
import type { SignupMode, settings } from "./settings.js";
import type { UserStore } from "./store/userStore.js";

/** Per-request context: the store, `byId` (batches every user lookup of the request), the caller, and who may sign up. */
export interface Context extends EntityContext<UserStore> {
  signup: SignupMode;
}

export const createContext = (
  store: UserStore,
  identity: Identity | null,
  { SIGNUP }: SettingsOf<typeof settings>,
): Context => ({ ...entityContext(store, identity), signup: SIGNUP });
