/**
 * Aligns items fetched by id with the ids asked for: one entry per id, in order, null where no item
 * has it. What a DataLoader batch function must return.
 */
export function alignById<T, K>(ids: readonly K[], items: Iterable<T>, idOf: (item: T) => K): (T | null)[] {
  const byId = new Map<K, T>();
  for (const item of items) byId.set(idOf(item), item);
  return ids.map((id) => byId.get(id) ?? null);
}
