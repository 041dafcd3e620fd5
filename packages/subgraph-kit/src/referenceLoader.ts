import DataLoader from "dataloader";

/** A request-scoped loader of entities by id: every lookup of one request in one store call, cached per request. */
export type ReferenceLoader<T> = DataLoader<number, T | null>;

/** Largest number of ids sent to the store in one call (one `select … where id in (…)`). */
const MAX_BATCH_SIZE = 500;

/**
 * Batches the lookups by id of one request (queries and `_entities` representations alike) into one
 * `findByIds` call per tick. Create one per request: its cache must not outlive the request.
 */
export function referenceLoader<T>(store: {
  findByIds(ids: readonly number[]): Promise<(T | null)[]>;
}): ReferenceLoader<T> {
  return new DataLoader((ids) => store.findByIds(ids), { maxBatchSize: MAX_BATCH_SIZE });
}

/**
 * The same, for loaders whose batches depend on more than the id (e.g. one page of products per user,
 * for a given `first`/`after`): one loader per `key`, created on first use and kept for the request.
 */
export function keyedLoaders<TArgs, K, V>(
  keyOf: (args: TArgs) => string,
  batch: (args: TArgs) => (keys: readonly K[]) => Promise<V[]>,
): (args: TArgs) => DataLoader<K, V> {
  const loaders = new Map<string, DataLoader<K, V>>();
  return (args) => {
    const key = keyOf(args);
    let loader = loaders.get(key);
    if (!loader) {
      loader = new DataLoader(batch(args), { maxBatchSize: MAX_BATCH_SIZE });
      loaders.set(key, loader);
    }
    return loader;
  };
}
