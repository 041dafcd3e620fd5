import { ErrorCode } from "@supergraph/error-codes";
import { createLogger, ValidationError } from "@supergraph/service-kit";
import { type Kysely, sql } from "kysely";
import { describe, expect, it } from "vitest";
import {
  alignById,
  encodeCursor,
  isUniqueViolation,
  isValidId,
  keyedLoaders,
  migrateToLatest,
  openSqlite,
  pageInfo,
  parseId,
  parsePage,
  referenceLoader,
} from "../src/index.js";

const silent = createLogger({ service: "kit-test", level: "silent" });

describe("ids", () => {
  it.each(["1", "42", "999999999999999"])("accepts %s", (id) => {
    expect(isValidId(id)).toBe(true);
    expect(parseId(id)).toBe(Number(id));
  });

  it.each(["0", "-1", "01", "1.5", "abc", "", "1e3", "9999999999999999"])("refuses %j, naming the field", (id) => {
    expect(isValidId(id)).toBe(false);
    expect(() => parseId(id, "input.ownerId")).toThrow(ValidationError);
    expect(() => parseId(id, "input.ownerId")).toThrow(/^input\.ownerId must be a positive integer id/);
  });
});

describe("pages", () => {
  it("defaults to 20 and allows 1 to 100", () => {
    expect(parsePage({})).toEqual({ first: 20, afterId: undefined });
    expect(parsePage({ first: 1, after: encodeCursor(7) })).toEqual({ first: 1, afterId: 7 });
    expect(parsePage({ first: 100 })).toMatchObject({ first: 100 });
    for (const first of [0, 101, 2.5]) {
      expect(() => parsePage({ first })).toThrow(
        expect.objectContaining({ code: ErrorCode.BAD_USER_INPUT, field: "first" }),
      );
    }
    expect(parsePage({ first: 500 }, { defaultSize: 5, maxSize: 500 })).toMatchObject({ first: 500 });
  });

  it("refuses a cursor it did not hand out", () => {
    for (const after of [
      "junk",
      Buffer.from("cursor:-3").toString("base64url"),
      Buffer.from("7").toString("base64url"),
    ]) {
      expect(() => parsePage({ after })).toThrow(expect.objectContaining({ field: "after" }));
    }
  });

  it("gives the last node's cursor as endCursor, and null for an empty page", () => {
    expect(pageInfo({ nodes: [{ id: "4" }, { id: "9" }], hasNextPage: true })).toEqual({
      hasNextPage: true,
      endCursor: encodeCursor("9"),
    });
    expect(pageInfo({ nodes: [], hasNextPage: false })).toEqual({ hasNextPage: false, endCursor: null });
  });
});

describe("alignById", () => {
  it("gives one entry per id asked for, in order, repeated ids included, null where missing", () => {
    const items = [{ id: 2 }, { id: 1 }];
    expect(alignById([1, 3, 2, 1], items, (item) => item.id)).toEqual([{ id: 1 }, null, { id: 2 }, { id: 1 }]);
    expect(alignById([], items, (item) => item.id)).toEqual([]);
  });
});

describe("loaders", () => {
  it("referenceLoader batches the lookups of one tick into one findByIds call, and caches per loader", async () => {
    const calls: number[][] = [];
    const store = {
      findByIds: async (ids: readonly number[]) => {
        calls.push([...ids]);
        return ids.map((id) => (id < 10 ? { id } : null));
      },
    };
    const loader = referenceLoader(store);
    expect(await Promise.all([loader.load(1), loader.load(12), loader.load(1), loader.load(3)])).toEqual([
      { id: 1 },
      null,
      { id: 1 },
      { id: 3 },
    ]);
    await loader.load(3);
    expect(calls).toEqual([[1, 12, 3]]);
  });

  it("keyedLoaders keeps one loader per key, so batches never mix arguments", async () => {
    const calls: string[] = [];
    const byPage = keyedLoaders(
      (page: { first: number }) => String(page.first),
      (page) => async (keys: readonly number[]) => {
        calls.push(`${page.first}:${keys.join(",")}`);
        return keys.map((key) => key * page.first);
      },
    );
    const results = await Promise.all([
      byPage({ first: 2 }).load(1),
      byPage({ first: 3 }).load(1),
      byPage({ first: 2 }).load(5),
    ]);
    expect(results).toEqual([2, 3, 10]);
    expect(byPage({ first: 2 })).toBe(byPage({ first: 2 }));
    expect(calls.sort()).toEqual(["2:1,5", "3:1"]);
  });
});

describe("database", () => {
  const migrations = {
    "0001": {
      up: (db: Kysely<unknown>) =>
        db.schema
          .createTable("tags")
          .addColumn("id", "integer", (col) => col.primaryKey())
          .addColumn("name", "text", (col) => col.notNull().unique())
          .execute(),
    },
  };

  it("applies migrations once: running them again changes nothing", async () => {
    await using db = disposable(openSqlite<{ tags: { id: number; name: string } }>({ filename: ":memory:" }));
    await migrateToLatest(db.value, migrations, silent);
    await db.value.insertInto("tags").values({ id: 1, name: "a" }).execute();
    await migrateToLatest(db.value, migrations, silent);
    expect(await db.value.selectFrom("tags").selectAll().execute()).toEqual([{ id: 1, name: "a" }]);
  });

  it("recognises a unique-constraint violation, and nothing else, as one", async () => {
    await using db = disposable(openSqlite<{ tags: { id: number; name: string } }>({ filename: ":memory:" }));
    await migrateToLatest(db.value, migrations, silent);
    await db.value.insertInto("tags").values({ id: 1, name: "a" }).execute();
    const duplicate = await db.value
      .insertInto("tags")
      .values({ id: 2, name: "a" })
      .execute()
      .catch((e: unknown) => e);
    const syntax = await sql`selec 1`.execute(db.value).catch((e: unknown) => e);
    expect(isUniqueViolation(duplicate)).toBe(true);
    expect(isUniqueViolation(syntax)).toBe(false);
    expect(isUniqueViolation({ code: "23505" })).toBe(true); // PostgreSQL's code
  });
});

/** A Kysely instance destroyed by `await using`. */
function disposable<DB>(db: Kysely<DB>): { value: Kysely<DB> } & AsyncDisposable {
  return { value: db, [Symbol.asyncDispose]: () => db.destroy() };
}
