/** A store method's replacement, made once per method: `call` runs the original on the store itself. */
export type MethodWrapper = (
  target: object,
  method: string,
  call: (...args: unknown[]) => unknown,
) => (...args: unknown[]) => unknown;

/**
 * The store seen through a proxy whose methods are `wrap`'s replacements (the metrics' timing, the
 * traces' spans). Replacements are kept by the method itself, so a method replaced later (a test's
 * recorder) is wrapped too; everything else reads through unchanged.
 */
export function wrapStoreMethods<TStore extends object>(store: TStore, wrap: MethodWrapper): TStore {
  const wrappers = new WeakMap<object, unknown>();
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function" || typeof property !== "string" || property === "constructor") return value;
      let wrapper = wrappers.get(value);
      if (wrapper === undefined) {
        wrapper = wrap(target, property, value as (...args: unknown[]) => unknown);
        wrappers.set(value, wrapper);
      }
      return wrapper;
    },
  });
}
