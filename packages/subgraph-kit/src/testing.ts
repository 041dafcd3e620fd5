/**
 * For a subgraph's own tests: its real server over a fresh in-memory database (migrated and seeded),
 * queried in-process or over HTTP. No mocks: the resolvers, the store and SQLite all run.
 */
import assert from "node:assert/strict";
import type { BaseContext } from "@apollo/server";
import type { ErrorCode } from "@supergraph/error-codes";
import { createLogger, type Service } from "@supergraph/service-kit";
import type { FormattedExecutionResult } from "graphql";
import type { Kysely } from "kysely";
import { migrateToLatest, openSqlite } from "./database.js";
import type { Subgraph } from "./defineSubgraph.js";
import { executeOperation } from "./executeOperation.js";

export interface TestSubgraph<DB, TStore, TContext extends BaseContext> extends AsyncDisposable {
  db: Kysely<DB>;
  store: TStore;
  service: Service<TContext>;
  /** Runs an operation in-process with a fresh request context; the result as a client reads it off the wire. */
  run(query: string, variables?: Record<string, unknown>): Promise<FormattedExecutionResult>;
  /**
   * Records every call of one of the store's methods from now on: the returned list grows with
   * each call's arguments. To prove lookups are batched (one store call for many ids).
   */
  record<M extends StoreMethod<TStore>>(method: M): Parameters<Extract<TStore[M], (...args: never[]) => unknown>>[];
  /** Listens on a free port of 127.0.0.1; resolves with the origin, e.g. `http://127.0.0.1:54321`. */
  listen(): Promise<string>;
  /** Stops the server and destroys the database. Also `await using`. */
  close(): Promise<void>;
}

/** The names of a store's methods. */
type StoreMethod<TStore> = {
  [K in keyof TStore]: TStore[K] extends (...args: never[]) => unknown ? K : never;
}[keyof TStore] &
  string;

/** Starts `subgraph` over a new in-memory SQLite database with its migrations applied (seed included). */
export async function startTestSubgraph<DB, TStore, TContext extends BaseContext>(
  subgraph: Subgraph<DB, TStore, TContext>,
): Promise<TestSubgraph<DB, TStore, TContext>> {
  const logger = createLogger({ service: `${subgraph.name}-test`, level: "silent" });
  const db = openSqlite<DB>({ filename: ":memory:" });
  await migrateToLatest(db, subgraph.migrations, logger);
  const store = subgraph.createStore(db);
  const service = await subgraph.createServer({ db, logger, store });
  const close = () => service.close();
  return {
    db,
    store,
    service,
    run: (query, variables) => executeOperation(service, subgraph.createContext(store), query, variables),
    record(method) {
      const calls: unknown[][] = [];
      const target = store as Record<string, (...args: unknown[]) => unknown>;
      const original = target[method];
      if (typeof original !== "function") throw new Error(`the store has no method ${method}`);
      target[method] = (...args: unknown[]) => {
        calls.push(args);
        return original.apply(store, args);
      };
      return calls as never;
    },
    async listen() {
      const { port } = await service.listen(0, "127.0.0.1");
      return `http://127.0.0.1:${port}`;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** The `extensions.code` of each error, in order. */
function errorCodes(result: FormattedExecutionResult): unknown[] {
  return (result.errors ?? []).map((error) => error.extensions?.code);
}

/** What an error message must never show a client: SQL, driver names, stack frames. */
const INTERNALS = /sqlite|constraint|select |insert |update |delete from|\n\s+at /i;

/**
 * Asserts that `result` failed with exactly one error, of `code`, naming `field` (`extensions.field`,
 * absent when `field` is undefined) and mentioning it in its message, which shows no internals.
 */
export function expectError(result: FormattedExecutionResult, code: ErrorCode, field?: string): void {
  assert.deepEqual(errorCodes(result), [code], `expected one ${code} error, got ${JSON.stringify(result.errors)}`);
  const [error] = result.errors ?? [];
  assert.doesNotMatch(error?.message ?? "", INTERNALS);
  assert.equal(error?.extensions?.field, field, `expected extensions.field ${field}`);
  if (field !== undefined) assert.match(error?.message ?? "", new RegExp(field.replace(/\./g, "\\.")));
}

/**
 * Asserts that `operation` is refused with `code` (and `field`, as `expectError`) and changes
 * nothing: `unchanged`, a query over the data it could touch, answers the same before and after.
 */
export async function expectRefused<DB, TStore, TContext extends BaseContext>(
  subgraph: Pick<TestSubgraph<DB, TStore, TContext>, "run">,
  operation: string,
  { code, field, unchanged }: { code: ErrorCode; field?: string | undefined; unchanged: string },
): Promise<void> {
  const before = await subgraph.run(unchanged);
  expectError(await subgraph.run(operation), code, field);
  assert.deepEqual(await subgraph.run(unchanged), before, `${operation} was refused but changed data`);
}
