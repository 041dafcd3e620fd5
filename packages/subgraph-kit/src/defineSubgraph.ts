import { ApolloServer, type BaseContext } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { createLogger, createService, type Logger, type Service } from "@supergraph/service-kit";
import type { DocumentNode } from "graphql";
import type { Kysely, Migration } from "kysely";
import { openSqlite, pingDatabase } from "./database.js";
import { executeOperation } from "./executeOperation.js";
import { loadSchemaFile } from "./loadSchemaFile.js";

/** What a subgraph declares about itself; `defineSubgraph` turns it into a server and a process. */
export interface SubgraphDefinition<DB, TStore, TContext extends BaseContext> {
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
  /** The store over the database: the only code that touches it. */
  createStore: (db: Kysely<DB>) => TStore;
  /** One request's context: the store plus request-scoped loaders. */
  createContext: (store: TStore) => TContext;
}

export interface ServerDeps<DB, TStore> {
  db: Kysely<DB>;
  logger: Logger;
  /** The store over `db`. Default: the subgraph's `createStore(db)` (the test fixture passes the one it watches). */
  store?: TStore;
}

/** A subgraph: its contract, and how to build its server. What a subgraph package exports as `./server`. */
export interface Subgraph<DB, TStore, TContext extends BaseContext> {
  readonly name: string;
  readonly port: number;
  readonly schema: URL;
  readonly typeDefs: DocumentNode;
  readonly migrations: Readonly<Record<string, Migration>>;
  readonly createStore: (db: Kysely<DB>) => TStore;
  readonly createContext: (store: TStore) => TContext;
  /**
   * Builds the subgraph's HTTP service (not listening): `buildSubgraphSchema` over its contract and
   * resolvers, the service kit's defaults, and a database check on `/health`. `close()` destroys `db`.
   */
  createServer(deps: ServerDeps<DB, TStore>): Promise<Service<TContext>>;
  /** The SDL its code serves (`_service { sdl }`), built over an empty in-memory database: what drift checks compare. */
  servedSdl(): Promise<string>;
}

/** Declares a subgraph. Its package exports the result as `./server`, and its process entry runs it with `runSubgraph`. */
export function defineSubgraph<DB, TStore, TContext extends BaseContext>(
  definition: SubgraphDefinition<DB, TStore, TContext>,
): Subgraph<DB, TStore, TContext> {
  const { name, resolvers, createStore, createContext } = definition;
  const typeDefs = loadSchemaFile(definition.schema);
  const schema = buildSubgraphSchema({ typeDefs, resolvers } as Parameters<typeof buildSubgraphSchema>[0]);
  const createServer = ({ db, logger, store = createStore(db) }: ServerDeps<DB, TStore>) =>
    createService<TContext>({
      name,
      logger,
      buildApollo: (base) =>
        new ApolloServer<TContext>({
          schema,
          ...base,
          // Inline traces only serve GraphOS usage reporting, which this project does not use.
          plugins: [...base.plugins, ApolloServerPluginInlineTraceDisabled()],
        }),
      context: async () => createContext(store),
      checks: [{ name: "database", check: () => pingDatabase(db) }],
      onClose: () => db.destroy(),
    });
  return {
    name,
    port: definition.port,
    schema: definition.schema,
    typeDefs,
    migrations: definition.migrations,
    createStore,
    createContext,
    createServer,
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
