import { ApolloServer, type BaseContext } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { buildSubgraphSchema } from "@apollo/subgraph";
import type { DocumentNode } from "graphql";
import type { Kysely, Migration } from "kysely";
import { env, loadConfig } from "./config.js";
import { migrateToLatest, openSqlite, pingDatabase } from "./database.js";
import { createLogger, type Logger } from "./logger.js";
import { createService, runService, type Service } from "./service.js";

export interface SubgraphServiceOptions<TContext extends BaseContext, DB> {
  /** Subgraph name, as in supergraph.yaml. */
  name: string;
  logger: Logger;
  /** The subgraph's contract (its schema.graphql, parsed). */
  typeDefs: DocumentNode;
  /** Resolvers typed by codegen from the same schema. */
  resolvers: object;
  /** The subgraph's database; probed by `/health` and destroyed on close. */
  db: Kysely<DB>;
  /** Builds one request's context (fresh DataLoaders per request). */
  context: () => TContext;
}

/** A federation subgraph over HTTP: `buildSubgraphSchema`, the kit's service defaults, and a database health check. */
export function createSubgraphService<TContext extends BaseContext, DB>({
  name,
  logger,
  typeDefs,
  resolvers,
  db,
  context,
}: SubgraphServiceOptions<TContext, DB>): Promise<Service<TContext>> {
  const schema = buildSubgraphSchema({ typeDefs, resolvers } as Parameters<typeof buildSubgraphSchema>[0]);
  return createService<TContext>({
    name,
    logger,
    buildApollo: (base) =>
      new ApolloServer<TContext>({
        schema,
        ...base,
        // Inline traces only serve GraphOS usage reporting, which this project does not use.
        plugins: [...base.plugins, ApolloServerPluginInlineTraceDisabled()],
      }),
    context: async () => context(),
    checks: [{ name: "database", check: () => pingDatabase(db) }],
    onClose: () => db.destroy(),
  });
}

/** Environment variables every subgraph reads; see each subgraph's README for its defaults. */
export function readSubgraphConfig(
  defaults: { port: number; databaseFile: string },
  source: NodeJS.ProcessEnv = process.env,
) {
  return loadConfig(
    {
      PORT: env.port(defaults.port),
      HOST: env.string("127.0.0.1"),
      DATABASE_FILE: env.string(defaults.databaseFile),
      LOG_LEVEL: env.logLevel(),
      LOG_FORMAT: env.logFormat(),
    },
    source,
  );
}

export type SubgraphConfig = ReturnType<typeof readSubgraphConfig>;

export interface StartSubgraphOptions<TContext extends BaseContext, DB> {
  name: string;
  config: SubgraphConfig;
  migrations: Record<string, Migration>;
  createServer: (deps: { db: Kysely<DB>; logger: Logger }) => Promise<Service<TContext>>;
}

/** Entry point of a subgraph process: open and migrate its database, build the server, listen, drain on SIGTERM. */
export async function startSubgraph<TContext extends BaseContext, DB>({
  name,
  config,
  migrations,
  createServer,
}: StartSubgraphOptions<TContext, DB>): Promise<void> {
  const logger = createLogger({ service: name, level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const db = openSqlite<DB>({ filename: config.DATABASE_FILE });
  await migrateToLatest(db, migrations, logger);
  logger.info({ database: config.DATABASE_FILE }, "database ready");
  const service = await createServer({ db, logger });
  await runService(service, { port: config.PORT, host: config.HOST, logger });
}
