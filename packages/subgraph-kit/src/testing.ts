/**
 * For a subgraph's own tests: its real server over a fresh database (migrated and seeded), queried
 * in-process or over HTTP. No mocks: the resolvers, the store and the database all run. The engine
 * is the test run's (TEST_DATABASE: an in-memory SQLite database, or a throwaway PostgreSQL database
 * dropped on close; see testDatabase.ts).
 */
import assert from "node:assert/strict";
import type { BaseContext } from "@apollo/server";
import { ADMIN_SCOPE, encodeIdentity, type Identity, signRequest } from "@supergraph/auth";
import type { ErrorCode } from "@supergraph/error-codes";
import { createLogger, type Service } from "@supergraph/service-kit";
import type { FormattedExecutionResult } from "graphql";
import { type Kysely, sql } from "kysely";
import { DEVELOPMENT_SIGNING, type SigningSettings } from "./config.js";
import { type DatabaseEngine, migrateToLatest, openDatabase, openSqlite } from "./database.js";
import type { Subgraph } from "./defineSubgraph.js";
import { executeOperation } from "./executeOperation.js";
import type { GeneratedDataset, SeedReport } from "./generatedDataset.js";
import { createTestDatabase, testEngine } from "./testDatabase.js";

export {
  connectionsTo,
  createTestDatabase,
  postgresSkipReason,
  queryDatabase,
  TEST_DATABASE_VARIABLE,
  TEST_POSTGRES_URL_VARIABLE,
  type TestDatabase,
  testEngine,
  testPostgresServer,
} from "./testDatabase.js";

/** How an operation is run: as whom. */
export interface RunOptions {
  /** The caller, as the router would pass it. Default: null (an anonymous caller). */
  identity?: Identity | null;
}

export interface TestSubgraph<DB, TStore, TContext extends BaseContext> extends AsyncDisposable {
  db: Kysely<DB>;
  /** The engine under `db`. */
  engine: DatabaseEngine;
  store: TStore;
  service: Service<TContext>;
  /** What the server checks signatures with; `signedPost` signs with the same by default (DEVELOPMENT_SIGNING). */
  signing: SigningSettings;
  /**
   * Runs an operation in-process with a fresh request context, as `identity` (default: anonymous);
   * the result as a client reads it off the wire. In-process runs skip the HTTP front, so no signature.
   */
  run(query: string, variables?: Record<string, unknown>, options?: RunOptions): Promise<FormattedExecutionResult>;
  /**
   * Records every call of one of the store's methods from now on: the returned list grows with
   * each call's arguments. To prove lookups are batched (one store call for many ids).
   */
  record<M extends StoreMethod<TStore>>(method: M): Parameters<Extract<TStore[M], (...args: never[]) => unknown>>[];
  /** Every row of `table` (these columns, by id) as JSON: to compare what two databases hold. */
  dump(table: string, columns: readonly string[]): Promise<string>;
  /** Inserts the subgraph's part of `dataset` (what is not there yet), as SEED_DATASET=generated does at start. */
  seedGeneratedDataset(dataset: GeneratedDataset): Promise<SeedReport>;
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

export interface TestSubgraphOptions<TSettings> {
  /** The subgraph's settings that differ from their defaults, e.g. `{ SIGNUP: "admin" }`. */
  settings?: Partial<TSettings>;
  /** The signature check's secret and window. Default: DEVELOPMENT_SIGNING. */
  signing?: SigningSettings;
  /** Default: the test run's (TEST_DATABASE, else SQLite). */
  engine?: DatabaseEngine;
  /** Also insert the subgraph's part of this generated dataset after the migrations (as SEED_DATASET=generated does). Default: none. */
  dataset?: GeneratedDataset;
}

/**
 * Starts `subgraph` over a new database with its migrations applied (seed included, and the
 * generated `dataset` when given): in-memory SQLite, or a throwaway PostgreSQL database, dropped
 * when the fixture closes.
 */
export async function startTestSubgraph<DB, TStore, TContext extends BaseContext, TSettings>(
  subgraph: Subgraph<DB, TStore, TContext, TSettings>,
  {
    settings: overrides,
    signing = DEVELOPMENT_SIGNING,
    engine = testEngine(),
    dataset,
  }: TestSubgraphOptions<TSettings> = {},
): Promise<TestSubgraph<DB, TStore, TContext>> {
  const logger = createLogger({ service: `${subgraph.name}-test`, level: "silent" });
  const scratch = engine === "postgres" ? await createTestDatabase(subgraph.name) : undefined;
  const db = scratch
    ? (await openDatabase<DB>({ url: scratch.url, filename: "", poolMax: 5, logger })).db
    : openSqlite<DB>({ filename: ":memory:" });
  try {
    await migrateToLatest(db, subgraph.migrations, logger);
    if (dataset) await subgraph.seedGeneratedDataset(db, dataset, logger);
  } catch (error) {
    await db.destroy();
    await scratch?.drop();
    throw error;
  }
  const store = subgraph.createStore(db);
  const settings = { ...subgraph.readSettings({}), ...overrides } as TSettings;
  const service = await subgraph.createServer({ db, logger, store, signing, settings });
  const close = async () => {
    await service.close();
    await scratch?.drop();
  };
  return {
    db,
    engine,
    store,
    service,
    signing,
    run: (query, variables, { identity = null } = {}) =>
      executeOperation(service, subgraph.createContext(store, identity, settings), query, variables),
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
    dump: async (table, columns) =>
      JSON.stringify(
        (
          await sql`select ${sql.join(columns.map((column) => sql.ref(column)))} from ${sql.table(table)} order by id`.execute(
            db,
          )
        ).rows,
      ),
    seedGeneratedDataset: (generated) => subgraph.seedGeneratedDataset(db, generated, logger),
    async listen() {
      const { port } = await service.listen(0, "127.0.0.1");
      return `http://127.0.0.1:${port}`;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** The identity of user `userId` (with `scopes`), as the router passes it. */
export function asUser(userId: string, scopes: readonly string[] = []): Identity {
  return Object.freeze({ userId, scopes: Object.freeze([...scopes]) });
}

/** An admin's identity (the `admin` scope). Default user id: "999", a user no seed has. */
export function asAdmin(userId = "999"): Identity {
  return asUser(userId, [ADMIN_SCOPE]);
}

export interface SignOptions {
  /** The caller. Default: null (anonymous, as the router sends it for callers without a token). */
  identity?: Identity | null;
  /** Default: the development secret, which test subgraphs check by default. */
  secret?: string;
  /** The signature's timestamp (ms since the epoch). Default: now. */
  now?: number;
}

/** The headers of a request with `body` as the router signs it: JSON content type, the identity header, the signature. */
export function signedHeaders(
  body: string,
  { identity = null, secret = DEVELOPMENT_SIGNING.secret, now = Date.now() }: SignOptions = {},
): Record<string, string> {
  return {
    "content-type": "application/json",
    ...signRequest(secret, { body, identity: encodeIdentity(identity) }, now),
  };
}

/**
 * POSTs `body` to `url` (a subgraph's `/graphql`) signed as the router signs it: `body` is an
 * operation (`{ query, variables }`, sent as JSON) or the raw text to send. `headers` are added
 * after signing (to tamper with a signed request in a test).
 */
export function signedPost(
  url: string,
  body: string | { query: string; variables?: Record<string, unknown> },
  { headers = {}, ...options }: SignOptions & { headers?: Record<string, string> } = {},
): Promise<Response> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return fetch(url, { method: "POST", headers: { ...signedHeaders(text, options), ...headers }, body: text });
}

/** The `extensions.code` of each error, in order. */
function errorCodes(result: FormattedExecutionResult): unknown[] {
  return (result.errors ?? []).map((error) => error.extensions?.code);
}

/** What an error message must never show a client: SQL, driver names, stack frames. */
const INTERNALS = /sqlite|constraint|select |insert |update \S+ set |delete from|\n\s+at /i;

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

export interface Refused {
  code: ErrorCode;
  /** `extensions.field` of the error; undefined when it names none. */
  field?: string | undefined;
  /** A query over the data `operation` could touch; it must answer the same before and after. */
  unchanged: string;
  /** Who runs `operation`. Default: null (anonymous). */
  identity?: Identity | null;
  /** Who runs `unchanged`. Default: an admin (`asAdmin()`), who sees every field. */
  observer?: Identity | null;
}

/**
 * Asserts that `operation`, run as `identity`, is refused with `code` (and `field`, as
 * `expectError`) and changes nothing: `unchanged`, a query over the data it could touch, run as
 * `observer`, answers the same before and after.
 */
export async function expectRefused(
  subgraph: Pick<TestSubgraph<unknown, unknown, BaseContext>, "run">,
  operation: string,
  { code, field, unchanged, identity = null, observer = asAdmin() }: Refused,
): Promise<void> {
  const before = await subgraph.run(unchanged, undefined, { identity: observer });
  expectError(await subgraph.run(operation, undefined, { identity }), code, field);
  assert.deepEqual(
    await subgraph.run(unchanged, undefined, { identity: observer }),
    before,
    `${operation} was refused but changed data`,
  );
}
