import { signRequest } from "@supergraph/auth";
import { ErrorCode } from "@supergraph/error-codes";
import { createLogger, type Logger, ValidationError } from "@supergraph/service-kit";
import { type Kysely, sql } from "kysely";
import { describe, expect, it } from "vitest";
import {
  alignById,
  encodeCursor,
  entityContext,
  entityResolvers,
  isOwnerOrAdmin,
  isUniqueViolation,
  isValidId,
  keyedLoaders,
  migrateToLatest,
  openSqlite,
  pageInfo,
  parseId,
  parsePage,
  referenceLoader,
  requireAdmin,
  requireIdentity,
  requireOwnerOrAdmin,
  signatureCheck,
} from "../src/index.js";
import { asAdmin, asUser } from "../src/testing.js";

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

describe("authorization", () => {
  const alice = asUser("1");
  const admin = asAdmin("9");
  const code = (fn: () => unknown) => {
    try {
      fn();
      return "allowed";
    } catch (error) {
      return (error as { code?: string }).code;
    }
  };

  it("requireIdentity: UNAUTHENTICATED for an anonymous caller, saying what needs a sign-in", () => {
    expect(requireIdentity(alice, "do it")).toBe(alice);
    expect(() => requireIdentity(null, "create a thing")).toThrow("Sign in to create a thing.");
    expect(code(() => requireIdentity(null, "x"))).toBe(ErrorCode.UNAUTHENTICATED);
  });

  it("requireOwnerOrAdmin: the owner and admins pass; anonymous callers are UNAUTHENTICATED, others FORBIDDEN", () => {
    const check = (identity: typeof alice | null) => () =>
      requireOwnerOrAdmin(identity, "1", { action: 'update thing "5"', owner: "its owner" });
    expect(code(check(alice))).toBe("allowed");
    expect(code(check(admin))).toBe("allowed");
    expect(code(check(asUser("2")))).toBe(ErrorCode.FORBIDDEN);
    expect(code(check(asUser("2", ["reader"])))).toBe(ErrorCode.FORBIDDEN);
    expect(code(check(null))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(check(asUser("2"))).toThrow('Only its owner or an admin may update thing "5".');
    expect([isOwnerOrAdmin(alice, "1"), isOwnerOrAdmin(admin, "1"), isOwnerOrAdmin(alice, "2")]).toEqual([
      true,
      true,
      false,
    ]);
    expect(isOwnerOrAdmin(null, "1")).toBe(false);
  });

  it("requireAdmin: only admins", () => {
    expect(code(() => requireAdmin(admin, "x"))).toBe("allowed");
    expect(code(() => requireAdmin(alice, "x"))).toBe(ErrorCode.FORBIDDEN);
    expect(code(() => requireAdmin(null, "x"))).toBe(ErrorCode.UNAUTHENTICATED);
  });

  describe("entityResolvers with ownership", () => {
    type Note = { id: string; ownerId: string; text: string };
    const notes = () => {
      const rows = new Map<number, Note>([[1, { id: "1", ownerId: "1", text: "a" }]]);
      const store = {
        findByIds: async (ids: readonly number[]) => ids.map((id) => rows.get(id) ?? null),
        list: async () => ({ nodes: [...rows.values()], hasNextPage: false }),
        create: async (note: { text: string }) => ({ id: "2", ownerId: "1", ...note }),
        update: async (id: number, patch: { text?: string }) => {
          const note = { ...(rows.get(id) as Note), ...patch };
          rows.set(id, note);
          return note;
        },
        delete: async (id: number) => {
          const note = rows.get(id) as Note;
          rows.delete(id);
          return note;
        },
      };
      return { rows, store };
    };
    const fields = entityResolvers({
      validateNew: (input: { text: string }) => input,
      validatePatch: (input: { text?: string }) => input,
      ownership: { entity: "Note", ownerOf: (note: Note) => note.ownerId, owner: "its owner" },
    });
    const outcome = (promise: Promise<unknown>) =>
      promise.then(
        () => "allowed",
        (error: { code?: string }) => error.code,
      );

    it("lets the owner and admins update and delete; refuses others, unknown ids and anonymous callers first", async () => {
      const { rows, store } = notes();
      const as = (identity: typeof alice | null) => entityContext(store, identity);
      const update = (id: string, identity: typeof alice | null) =>
        outcome(fields.update(null, { id, input: { text: "changed" } }, as(identity)));
      expect(await update("1", null)).toBe(ErrorCode.UNAUTHENTICATED);
      expect(await update("404", null)).toBe(ErrorCode.UNAUTHENTICATED);
      expect(await update("404", alice)).toBe(ErrorCode.NOT_FOUND);
      expect(await update("x", alice)).toBe(ErrorCode.BAD_USER_INPUT);
      expect(await update("1", asUser("2"))).toBe(ErrorCode.FORBIDDEN);
      expect(await outcome(fields.delete(null, { id: "1" }, as(asUser("2"))))).toBe(ErrorCode.FORBIDDEN);
      expect(rows.get(1)?.text).toBe("a");
      expect(await update("1", alice)).toBe("allowed");
      expect(await update("1", admin)).toBe("allowed");
      expect(rows.get(1)?.text).toBe("changed");
      expect(await outcome(fields.delete(null, { id: "1" }, as(admin)))).toBe("allowed");
      expect(rows.size).toBe(0);
    });
  });
});

describe("signatureCheck", () => {
  const secret = "the-secret-shared-with-the-router-0123456789";
  const logged = () => {
    const lines: unknown[][] = [];
    const logger = { warn: (...args: unknown[]) => lines.push(args) } as unknown as Logger;
    return { lines, logger };
  };

  it("lets a signed POST through and refuses anything else with 401 SIGNATURE_INVALID, logging why but never the secret", () => {
    const { lines, logger } = logged();
    const check = signatureCheck("notes", { secret }, logger);
    const body = '{"query":"{ a }"}';
    const headers = signRequest(secret, { body, identity: "anonymous" });
    expect(check({ method: "POST", headers, body })).toBeUndefined();
    expect(lines).toEqual([]);

    for (const request of [
      { method: "POST", headers: {}, body },
      { method: "POST", headers: signRequest(secret, { body, identity: "anonymous" }), body: '{"query":"{ b }"}' },
      { method: "GET", headers: signRequest(secret, { body: "", identity: "anonymous" }), body: "" },
    ]) {
      expect(check(request)).toMatchObject({ status: 401, code: ErrorCode.SIGNATURE_INVALID });
    }
    expect(lines.map(([fields]) => (fields as { reason: string }).reason)).toEqual([
      "the request is not signed",
      "the signature does not match the request",
      expect.stringMatching(/^a GET request/),
    ]);
    expect(JSON.stringify(lines)).not.toContain(secret);
  });
});

/** A Kysely instance destroyed by `await using`. */
function disposable<DB>(db: Kysely<DB>): { value: Kysely<DB> } & AsyncDisposable {
  return { value: db, [Symbol.asyncDispose]: () => db.destroy() };
}
