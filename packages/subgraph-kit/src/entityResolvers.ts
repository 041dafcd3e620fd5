import type { Identity } from "@supergraph/auth";
import { NotFoundError } from "@supergraph/service-kit";
import { requireIdentity, requireOwnerOrAdmin } from "./authorization.js";
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

/** The request context of a subgraph that owns one entity type: its store, a batching loader by id, and the caller. */
export interface EntityContext<TStore> {
  store: TStore;
  /** Every lookup by id of one request (queries and `_entities`) in one store call. */
  byId: ReferenceLoader<TStore extends CrudStore<infer T, never, never> ? T : never>;
  /** Who is calling, as the router vouched for it in the signed request; null for an anonymous caller. */
  identity: Identity | null;
}

/** A fresh context for one request: the shared store, a new loader (its cache lives as long as the request), the caller. */
export function entityContext<TStore extends CrudStore<unknown, never, never>>(
  store: TStore,
  identity: Identity | null,
): EntityContext<TStore> {
  return { store, byId: referenceLoader(store) as EntityContext<TStore>["byId"], identity };
}

type ModelOf<C> = C extends { store: CrudStore<infer T, never, never> } ? T : never;

/** Who may change an existing entity: the user who owns it, or an admin. */
export interface Ownership<TModel> {
  /** The entity's name in messages, e.g. `Product`. */
  entity: string;
  /** The id of the user who owns `entity`. */
  ownerOf: (entity: TModel) => string;
  /** How messages name the owner, e.g. "its creator": "Only its creator or an admin may delete product "7"." */
  owner: string;
}

interface Rules<TCreateInput, TNew, TUpdateInput, TPatch, TModel> {
  /** Input of the create mutation -> what the store inserts; throws ValidationError (BAD_USER_INPUT). */
  validateNew: (input: TCreateInput) => TNew;
  /** Input of the update mutation -> the changes the store applies; throws ValidationError. */
  validatePatch: (input: TUpdateInput) => TPatch;
  /**
   * Who may update and delete: with it, only the owner or an admin (UNAUTHENTICATED for an anonymous
   * caller, then NOT_FOUND for an unknown id, then FORBIDDEN for anyone else; nothing changes).
   * Default: anyone. Who may create is the subgraph's own rule.
   */
  ownership?: Ownership<TModel>;
}

/**
 * Checks that the caller may change the entity `id` (see `Rules.ownership`) and returns the parsed id.
 * The entity is read through the request's loader.
 */
async function authorizeChange<TModel>(
  ownership: Ownership<TModel> | undefined,
  { identity, byId }: { identity: Identity | null; byId: ReferenceLoader<unknown> },
  id: string,
  verb: string,
): Promise<number> {
  if (!ownership) return parseId(id);
  const action = `${verb} ${ownership.entity.toLowerCase()} "${id}"`;
  requireIdentity(identity, action);
  const entityId = parseId(id);
  const entity = (await byId.load(entityId)) as TModel | null;
  if (entity === null) throw new NotFoundError(ownership.entity, id);
  requireOwnerOrAdmin(identity, ownership.ownerOf(entity), { action, owner: ownership.owner });
  return entityId;
}

/**
 * The resolvers every entity's root fields share, so a subgraph maps its fields to them instead of
 * repeating the wiring: ids and pages parsed (BAD_USER_INPUT when malformed), inputs validated by
 * the subgraph's own rules, lookups batched through the request's loader, changes allowed only to
 * the owner or an admin (with `ownership`). Each one works with any context shaped as an
 * `EntityContext`, and returns the store's model type.
 */
export function entityResolvers<TCreateInput, TNew, TUpdateInput, TPatch, TModel = unknown>(
  rules: Rules<TCreateInput, TNew, TUpdateInput, TPatch, TModel>,
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
    update: async <C extends EntityContext<Store>>(
      _parent: unknown,
      { id, input }: { id: string; input: TUpdateInput },
      context: C,
    ) => {
      const entityId = await authorizeChange(rules.ownership, context, id, "update");
      return context.store.update(entityId, rules.validatePatch(input)) as Promise<ModelOf<C>>;
    },
    delete: async <C extends EntityContext<Store>>(_parent: unknown, { id }: { id: string }, context: C) =>
      context.store.delete(await authorizeChange(rules.ownership, context, id, "delete")) as Promise<ModelOf<C>>,
    /** `__resolveReference`: a representation from the router; a malformed or unknown id resolves to null. */
    reference: <C extends EntityContext<Store>>(reference: { id?: unknown }, { byId }: C) =>
      (isValidId(reference.id) ? byId.load(Number(reference.id)) : null) as Promise<ModelOf<C> | null> | null,
  };
}
