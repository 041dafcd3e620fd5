import { buildSchema, parse } from "graphql";
import { describe, expect, it } from "vitest";
import { selectedTypes } from "./selectedTypes.js";
import { type EvictionReason, ResponseStore } from "./store.js";

/** A store on a clock the test moves, recording its evictions. */
function storeWith(options: { maxEntries?: number; maxBytes?: number } = {}) {
  let clock = 1_000_000;
  const evictions: [EvictionReason, number][] = [];
  const store = new ResponseStore({
    maxEntries: options.maxEntries ?? 100,
    maxBytes: options.maxBytes ?? 1_000_000,
    now: () => clock,
    onEvict: (reason, count) => evictions.push([reason, count]),
  });
  return {
    store,
    evictions,
    advance: (ms: number) => {
      clock += ms;
    },
    put: (key: string, types: string[] = ["Query"], { maxAge = 60, bytes = 10 } = {}) =>
      store.set(key, { data: { key }, maxAge, scope: "PUBLIC" }, { bytes, types, mark: store.mark() }),
  };
}

describe("the response store", () => {
  it("keeps an entry for its max-age, then forgets it (expired)", () => {
    const { store, put, advance, evictions } = storeWith();
    expect(put("a", ["Query"], { maxAge: 2 })).toBe(true);
    advance(1999);
    expect(store.get("a")?.data).toEqual({ key: "a" });
    advance(1);
    expect(store.get("a")).toBeUndefined();
    expect(store.size).toBe(0);
    expect(evictions).toEqual([["expired", 1]]);
  });

  it("never keeps a response whose max-age is 0", () => {
    const { store, put } = storeWith();
    expect(put("a", ["Query"], { maxAge: 0 })).toBe(false);
    expect(store.size).toBe(0);
  });

  it("pushes out the least recently used entry past maxEntries; a hit counts as a use", () => {
    const { store, put, evictions } = storeWith({ maxEntries: 2 });
    put("a");
    put("b");
    store.get("a");
    put("c");
    expect(store.get("b")).toBeUndefined();
    expect(store.get("a")).toBeDefined();
    expect(store.get("c")).toBeDefined();
    expect(evictions).toEqual([["capacity", 1]]);
  });

  it("pushes out the least recently used entries past maxBytes, and refuses one larger than maxBytes", () => {
    const { store, put } = storeWith({ maxBytes: 100 });
    put("a", ["Query"], { bytes: 40 });
    put("b", ["Query"], { bytes: 40 });
    put("c", ["Query"], { bytes: 40 });
    expect(store.get("a")).toBeUndefined();
    expect(store.bytes).toBe(80);
    expect(put("huge", ["Query"], { bytes: 101 })).toBe(false);
    expect(store.bytes).toBe(80);
  });

  it("replacing an entry counts its bytes once", () => {
    const { store, put } = storeWith();
    put("a", ["Query"], { bytes: 30 });
    put("a", ["Query"], { bytes: 50 });
    expect(store.size).toBe(1);
    expect(store.bytes).toBe(50);
  });

  it("evicts exactly the entries holding an invalidated type", () => {
    const { store, put, evictions } = storeWith();
    put("products", ["Query", "Product"]);
    put("product-with-creator", ["Query", "Product", "User"]);
    put("user", ["Query", "User"]);
    expect(store.invalidate(["Product"])).toBe(2);
    expect(store.get("products")).toBeUndefined();
    expect(store.get("product-with-creator")).toBeUndefined();
    expect(store.get("user")).toBeDefined();
    expect(evictions).toEqual([["mutation", 2]]);
  });

  it("refuses a response computed before a mutation invalidated one of its types, not one computed after", () => {
    const { store } = storeWith();
    const before = store.mark();
    store.invalidate(["Product"]);
    const response = { data: {}, maxAge: 60, scope: "PUBLIC" as const };
    expect(store.set("stale", response, { bytes: 1, types: ["Query", "Product"], mark: before })).toBe(false);
    expect(store.set("other-type", response, { bytes: 1, types: ["Query", "User"], mark: before })).toBe(true);
    expect(store.set("fresh", response, { bytes: 1, types: ["Query", "Product"], mark: store.mark() })).toBe(true);
  });

  it("clear empties it and refuses responses computed before", () => {
    const { store, put, evictions } = storeWith();
    put("a");
    const before = store.mark();
    store.clear();
    expect(store.size).toBe(0);
    expect(store.bytes).toBe(0);
    expect(store.set("late", { data: {}, maxAge: 60, scope: "PUBLIC" }, { bytes: 1, types: [], mark: before })).toBe(
      false,
    );
    expect(evictions).toEqual([["schema", 1]]);
  });
});

describe("the types an operation selects", () => {
  const schema = buildSchema(`
    interface Node { id: ID! }
    type Product implements Node { id: ID! name: String! createdBy: User }
    type User implements Node { id: ID! name: String! products: ProductConnection }
    type ProductConnection { nodes: [Product!]! pageInfo: PageInfo! }
    type PageInfo { endCursor: String }
    union Result = Product | User
    type Query { product(id: ID!): Product node(id: ID!): Node search: [Result!]! }
    type Mutation { createProduct(name: String!): Product! }
  `);
  const typesOf = (source: string, operationName?: string) => {
    const document = parse(source);
    const operation = document.definitions.find(
      (definition) =>
        definition.kind === "OperationDefinition" &&
        (operationName === undefined || definition.name?.value === operationName),
    );
    if (operation?.kind !== "OperationDefinition") throw new Error("no operation");
    return selectedTypes(schema, document, operation);
  };

  it("follows fields, fragments and inline fragments; a query's root type is included", () => {
    expect(
      typesOf(
        `query { product(id: "1") { ...P } } fragment P on Product { createdBy { products { pageInfo { endCursor } } } }`,
      ),
    ).toEqual({ types: ["PageInfo", "Product", "ProductConnection", "Query", "User"], routerOnly: false });
  });

  it("adds the possible types of an interface or union", () => {
    expect(typesOf(`{ node(id: "1") { id } }`).types).toEqual(["Node", "Product", "Query", "User"]);
    expect(typesOf(`{ search { ... on User { name } } }`).types).toEqual(["Product", "Query", "Result", "User"]);
  });

  it("a mutation's types are what it returns, not its root type", () => {
    expect(typesOf(`mutation { createProduct(name: "x") { id createdBy { id } } }`).types).toEqual(["Product", "User"]);
    expect(typesOf(`mutation { createProduct(name: "x") { id } }`).types).toEqual(["Product"]);
  });

  it("knows which operations only the router answers (meta fields at the root)", () => {
    expect(typesOf(`{ __typename }`).routerOnly).toBe(true);
    expect(typesOf(`{ ...Meta } fragment Meta on Query { __schema { queryType { name } } }`).routerOnly).toBe(true);
    expect(typesOf(`{ __typename product(id: "1") { id } }`).routerOnly).toBe(false);
  });
});
