import { fileURLToPath } from "node:url";
import { ApolloServer, type BaseContext } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { decodeIdentity, IDENTITY_HEADER, type Identity } from "@supergraph/auth";
import {
  createLogger,
  createService,
  type Logger,
  loadConfig,
  type Service,
  type Tracing,
} from "@supergraph/service-kit";
import type { DocumentNode } from "graphql";
import type { Kysely, Migration } from "kysely";
import {
  DEVELOPMENT_SIGNING,
  readSubgraphConfig,
  type SettingsOf,
  type SettingsShape,
  type SigningSettings,
  type SubgraphConfig,
} from "./config.js";
import { openSqlite, pingDatabase } from "./database.js";
import { classifyDatabaseError } from "./databaseErrors.js";
import { executeOperation } from "./executeOperation.js";
import { type GeneratedDataset, insertGenerated, type SeedReport } from "./generatedDataset.js";
import { loadSchemaFile } from "./loadSchemaFile.js";
import { resolverSpans } from "./resolverSpans.js";
import { signatureCheck } from "./signatureCheck.js";
import { subgraphMetrics } from "./subgraphMetrics.js";
import { traceStore } from "./traceStore.js";

/** What a subgraph declares about itself; `defineSubgraph` turns it into a server and a process. */
export interface SubgraphDefinition<DB, TStore, TContext extends BaseContext, S extends SettingsShape> {
  /** The subgraph's name, as in supergraph.yaml. */
  name: string;
  /** Its port when PORT is not set. */
  port: number;
  /**
   * Its contract, schema.graphql, read once at start. It sits at the root of the subgraph's package:
   * the default database file is `data/<name>.db` next to it.
   */
  schema: URL;
  /** Resolvers, typed by codegen from the same schema. */
  resolvers: object;
  /** Schema and seed migrations, applied in name order at start. */
  migrations: Record<string, Migration>;
  /**
   * The subgraph's own environment variables, each a zod parser with its default (e.g.
   * `{ SIGNUP: z.enum(["open", "admin"]).default("open") }`), read with the kit's: a bad value stops
   * the start with the variable's name. Their values reach `createContext`. Default: none.
   */
  settings?: S;
  /** The store over the database: the only code that touches it. */
  createStore: (db: Kysely<DB>) => TStore;
  /**
   * One request's context: the store plus request-scoped loaders, the caller's identity (from the
   * signed request; null when anonymous) and the subgraph's settings.
   */
  createContext: (store: TStore, identity: Identity | null, settings: SettingsOf<S>) => TContext;
  /**
   * Its part of the generated dataset (SEED_DATASET=generated, see GeneratedDataset): its rows, made
   * from `dataset` alone (the same rows every run), which the store's `insertMany` bulk-inserts
   * (those not there yet). Default: none (the subgraph has no part).
   */
  generatedRows?: TStore extends { insertMany(rows: infer R): Promise<number> }
    ? (dataset: GeneratedDataset) => R & readonly unknown[]
    : never;
}

export interface ServerDeps<DB, TStore, TSettings = unknown> {
  db: Kysely<DB>;
  logger: Logger;
  /** The store over `db`. Default: the subgraph's `createStore(db)` (the test fixture passes the one it watches). */
  store?: TStore;
  /**
   * The router's signature check: the shared secret (and window). Default: DEVELOPMENT_SIGNING,
   * the development secret the router uses when none is configured (never in production: the process
   * reads it from SUBGRAPH_SIGNING_SECRET, see `readConfig`). `false` (PROTECTIONS=off, to measure
   * what the check costs): no check, and every caller is anonymous.
   */
  signing?: SigningSettings | false;
  /** The subgraph's settings. Default: each one's default (as with none of its variables set). */
  settings?: TSettings;
  /** One log line per request (the service kit's). Default: true. */
  logRequests?: boolean;
  /** A separate listener for `/metrics` (production), so the public port never serves it. Default: none, served on the main port. */
  internal?: { port: number; host?: string };
  /**
   * Prometheus metrics at `/metrics`: requests, store calls and batches, signature refusals (see
   * subgraphMetrics). Default: true.
   */
  metrics?: boolean;
  /**
   * OpenTelemetry tracing (service kit's `startTracing`): a span per request (continuing the router's
   * `traceparent`), per call of a resolver the subgraph wrote, and per store call. Default: none (off).
   */
  tracing?: Tracing;
}

/** A subgraph: its contract, and how to build its server. What a subgraph package exports as `./server`. */
export interface Subgraph<DB, TStore, TContext extends BaseContext, TSettings = unknown> {
  readonly name: string;
  readonly port: number;
  readonly schema: URL;
  readonly typeDefs: DocumentNode;
  readonly migrations: Readonly<Record<string, Migration>>;
  readonly createStore: (db: Kysely<DB>) => TStore;
  readonly createContext: (store: TStore, identity: Identity | null, settings: TSettings) => TContext;
  /** Its settings as the environment `source` sets them (every one unset: the defaults); ConfigError naming a bad variable. */
  readSettings(source?: NodeJS.ProcessEnv): TSettings;
  /**
   * Its whole configuration from the environment: the kit's variables (see the kit's README: PORT,
   * DATABASE_FILE, SUBGRAPH_SIGNING_SECRET, …) and its own settings. A ConfigError names every bad variable.
   */
  readConfig(source?: NodeJS.ProcessEnv): SubgraphConfig & { readonly settings: TSettings };
  /**
   * Builds the subgraph's HTTP service (not listening): `buildSubgraphSchema` over its contract and
   * resolvers, the service kit's defaults, a database check on `/health`, and the router's signature
   * required on every GraphQL request (401 SIGNATURE_INVALID otherwise; `/health` stays open). The
   * context gets the identity of the signed request's IDENTITY_HEADER. `close()` destroys `db`.
   */
  createServer(deps: ServerDeps<DB, TStore, TSettings>): Promise<Service<TContext>>;
  /** The SDL its code serves (`_service { sdl }`), built over an empty in-memory database: what drift checks compare. */
  servedSdl(): Promise<string>;
  /**
   * Inserts its part of the generated dataset into `db` (migrated) unless it is there already, and
   * logs what it did and how long it took. A subgraph without a part logs a warning and inserts nothing.
   */
  seedGeneratedDataset(db: Kysely<DB>, dataset: GeneratedDataset, logger: Logger): Promise<SeedReport>;
}

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** Declares a subgraph. Its package exports the result as `./server`, and its process entry runs it with `runSubgraph`. */
export function defineSubgraph<
  DB,
  TStore,
  TContext extends BaseContext,
  S extends SettingsShape = Record<never, never>,
>(definition: SubgraphDefinition<DB, TStore, TContext, S>): Subgraph<DB, TStore, TContext, SettingsOf<S>> {
  const { name, resolvers, createStore, createContext, generatedRows } = definition;
  const settingsShape = definition.settings ?? ({} as S);
  const typeDefs = loadSchemaFile(definition.schema);
  const schema = buildSubgraphSchema({ typeDefs, resolvers } as Parameters<typeof buildSubgraphSchema>[0]);
  const readSettings = (source: NodeJS.ProcessEnv = {}) => loadConfig(settingsShape, source) as SettingsOf<S>;
  const createServer = async ({
    db,
    logger,
    store = createStore(db),
    signing = DEVELOPMENT_SIGNING,
    settings = readSettings(),
    logRequests = true,
    internal,
    metrics: metricsOn = true,
    tracing,
  }: ServerDeps<DB, TStore, SettingsOf<S>>) => {
    const metrics = metricsOn ? subgraphMetrics() : undefined;
    const served = metrics ? metrics.observeStore(store as TStore & object) : store;
    const storeForRequests = tracing ? traceStore(served, tracing) : served;
    return createService<TContext>({
      name,
      logger,
      logRequests,
      buildApollo: (base) =>
        new ApolloServer<TContext>({
          schema,
          ...base,
          // Inline traces only serve GraphOS usage reporting, which this project does not use.
          plugins: [
            ...base.plugins,
            ApolloServerPluginInlineTraceDisabled(),
            ...(tracing ? [resolverSpans(tracing)] : []),
          ],
        }),
      // Only reached by requests whose signature covers the identity header (verifyRequest runs first),
      // or, with signing.acceptUnsigned, by requests with no identity header at all (anonymous).
      context: async ({ headers, summary }) => {
        const identity = signing ? decodeIdentity(header(headers[IDENTITY_HEADER])) : null;
        if (identity) summary.subject = identity.userId;
        return createContext(storeForRequests, identity, settings);
      },
      ...(signing ? { verifyRequest: signatureCheck(name, signing, logger, metrics?.signatureRefused) } : {}),
      checks: [{ name: "database", check: () => pingDatabase(db) }],
      // GET /ready fails while the database does not answer; GET /live does not look at it.
      readiness: true,
      classifyError: classifyDatabaseError,
      ...(metrics ? { metrics: metrics.service } : {}),
      ...(tracing ? { tracing } : {}),
      ...(internal ? { internal } : {}),
      onClose: () => db.destroy(),
    });
  };
  return {
    name,
    port: definition.port,
    schema: definition.schema,
    typeDefs,
    migrations: definition.migrations,
    createStore,
    createContext,
    readSettings,
    readConfig: (source = process.env) =>
      readSubgraphConfig(
        {
          name,
          port: definition.port,
          databaseFile: fileURLToPath(new URL(`data/${name}.db`, definition.schema)),
        },
        source,
        settingsShape,
      ),
    createServer,
    async seedGeneratedDataset(db, dataset, logger) {
      if (!generatedRows) {
        logger.warn({ dataset }, "SEED_DATASET=generated: this subgraph has no part of the generated dataset");
        return { expected: 0, inserted: 0 };
      }
      const started = performance.now();
      const store = createStore(db) as unknown as { insertMany(rows: readonly unknown[]): Promise<number> };
      const report = await insertGenerated(generatedRows(dataset), (rows) => store.insertMany(rows));
      const ms = Math.round(performance.now() - started);
      logger.info(
        { dataset, ...report, ms },
        report.inserted > 0 ? "generated dataset inserted" : "generated dataset already present",
      );
      return report;
    },
    async servedSdl() {
      const logger = createLogger({ service: name, level: "silent" });
      await using service = await createServer({ db: openSqlite<DB>({ filename: ":memory:" }), logger });
      const result = await executeOperation(service, {} as TContext, "{ _service { sdl } }");
      const sdl = (result.data as { _service?: { sdl?: unknown } } | null | undefined)?._service?.sdl;
      if (typeof sdl !== "string") {
        throw new Error(`{ _service { sdl } } failed: ${result.errors?.map((e) => e.message).join("; ") ?? "no sdl"}`);
      }
      return sdl;
    },
  };
}
