import { isValidId, parseId } from "./ids.js";
import { type Page, type PageRequest, parsePage } from "./pagination.js";
import { type ReferenceLoader, referenceLoader } from "./referenceLoader.js";

/** The store operations behind an entity's root fields (an `EntityStore` plus the subgraph's own `create`/`update`). */
export interface CrudStore<T, TNew, TPatch> {
  findByIds(ids: readonly number[]): Promise<(T | null)[]>;
  list(page: PageRequest): Promise<Page<T>>;
  create(input: TNew): Promise<T>;
  update(id: number, patch: TPatch): Promise<T>;
  delete(id: number): Promise<T>;
}

/** The request context of a subgraph that owns one entity type: its store, and a batching loader by id. */
export interface EntityContext<TStore> {
  store: TStore;
  /** Every lookup by id of one request (queries and `_entities`) in one store call. */
  byId: ReferenceLoader<TStore extends CrudStore<infer T, never, never> ? T : never>;
}

/** A fresh context for one request: the shared store, a new loader (its cache lives as long as the request). */
export function entityContext<TStore extends CrudStore<unknown, never, never>>(store: TStore): EntityContext<TStore> {
  return { store, byId: referenceLoader(store) as EntityContext<TStore>["byId"] };
}

type ModelOf<C> = C extends { store: CrudStore<infer T, never, never> } ? T : never;
interface Validation<TCreateInput, TNew, TUpdateInput, TPatch> {
  /** Input of the create mutation -> what the store inserts; throws ValidationError (BAD_USER_INPUT). */
  validateNew: (input: TCreateInput) => TNew;
  /** Input of the update mutation -> the changes the store applies; throws ValidationError. */
  validatePatch: (input: TUpdateInput) => TPatch;
}

/**
 * The resolvers every entity's root fields share, so a subgraph maps its fields to them instead of
 * repeating the wiring: ids and pages parsed (BAD_USER_INPUT when malformed), inputs validated by
 * the subgraph's own rules, lookups batched through the request's loader. Each one works with any
 * context shaped as an `EntityContext`, and returns the store's model type.
 */
export function entityResolvers<TCreateInput, TNew, TUpdateInput, TPatch>(
  rules: Validation<TCreateInput, TNew, TUpdateInput, TPatch>,
) {
  type Store = CrudStore<unknown, TNew, TPatch>;
  return {
    /** `things(first, after)`: a keyset page. */
    list: <C extends EntityContext<Store>>(
      _parent: unknown,
      args: { first?: number | null; after?: string | null },
      { store }: C,
    ) => store.list(parsePage(args)) as Promise<Page<ModelOf<C>>>,
    /** `thing(id)`: null when there is none. */
    byId: <C extends EntityContext<Store>>(_parent: unknown, { id }: { id: string }, { byId }: C) =>
      byId.load(parseId(id)) as Promise<ModelOf<C> | null>,
    create: <C extends EntityContext<Store>>(_parent: unknown, { input }: { input: TCreateInput }, { store }: C) =>
      store.create(rules.validateNew(input)) as Promise<ModelOf<C>>,
    update: <C extends EntityContext<Store>>(
      _parent: unknown,
      { id, input }: { id: string; input: TUpdateInput },
      { store }: C,
    ) => {
      const entityId = parseId(id);
      return store.update(entityId, rules.validatePatch(input)) as Promise<ModelOf<C>>;
    },
    delete: <C extends EntityContext<Store>>(_parent: unknown, { id }: { id: string }, { store }: C) =>
      store.delete(parseId(id)) as Promise<ModelOf<C>>,
    /** `__resolveReference`: a representation from the router; a malformed or unknown id resolves to null. */
    reference: <C extends EntityContext<Store>>(reference: { id?: unknown }, { byId }: C) =>
      (isValidId(reference.id) ? byId.load(Number(reference.id)) : null) as Promise<ModelOf<C> | null> | null,
  };
}
