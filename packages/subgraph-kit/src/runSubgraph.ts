import type { BaseContext } from "@apollo/server";
import {
  ConfigError,
  createLogger,
  type Logger,
  runService,
  type Service,
  startTracing,
  type Tracing,
} from "@supergraph/service-kit";
import { DEVELOPMENT_SIGNING, type SubgraphConfig } from "./config.js";
import { migrateToLatest, openDatabase } from "./database.js";
import type { Subgraph } from "./defineSubgraph.js";

/**
 * A subgraph as its process runs it, built (not listening) from the environment (see the kit's
 * README): its database opened and migrated (and its part of the generated dataset inserted with
 * SEED_DATASET=generated), its tracing started when an OTLP endpoint is set, its
 * server built over them. What `runSubgraph` listens with; also what a benchmark that puts another
 * HTTP front before the same subgraph builds.
 */
export async function buildSubgraphService<DB, TStore, TContext extends BaseContext, TSettings>(
  subgraph: Subgraph<DB, TStore, TContext, TSettings>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ service: Service<TContext>; config: SubgraphConfig; logger: Logger; tracing: Tracing | undefined }> {
  const config = subgraph.readConfig(env);
  const logger = createLogger({ service: subgraph.name, level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const { url, filename, poolMax } = config.database; // url is not enumerable (never logged): named, not spread
  const { db, engine, location } = await openDatabase<DB>({ url, filename, poolMax, logger });
  await migrateToLatest(db, subgraph.migrations, logger);
  if (config.generatedDataset) await subgraph.seedGeneratedDataset(db, config.generatedDataset, logger);
  logger.info({ engine, database: location }, "database ready");
  const { settings } = config;
  const signing = config.protections ? config.signing : false;
  if (!signing) logger.warn("PROTECTIONS=off: GraphQL requests are not checked for the router's signature");
  else if (signing.acceptUnsigned) {
    logger.warn(
      "BENCHMARK_ACCEPT_UNSIGNED=1: GraphQL requests WITHOUT the router's signature are ANSWERED as anonymous callers (signed ones are still checked); for benchmarks only, never in production",
    );
  }
  if (signing && signing.secret === DEVELOPMENT_SIGNING.secret) {
    logger.warn("using the development signing secret (see README, Security): never in production");
  } else if (signing)
    logger.info({ signatureMaxAgeMs: signing.maxAgeMs }, "GraphQL requests must be signed by the router");
  const tracing = config.tracing ? startTracing({ ...config.tracing, logger }) : undefined;
  return {
    service: await subgraph.createServer({
      db,
      logger,
      signing,
      settings,
      logRequests: config.LOG_REQUESTS,
      metrics: config.METRICS,
      ...(config.internal ? { internal: config.internal } : {}),
      tracing,
    }),
    config,
    logger,
    tracing,
  };
}

/**
 * The process entry of a subgraph: builds it from its environment, listens, and drains on SIGTERM.
 * A failed start prints why and exits: 2 for a configuration problem (a bad or refused variable), else 1.
 */
export function runSubgraph<DB, TStore, TContext extends BaseContext, TSettings>(
  subgraph: Subgraph<DB, TStore, TContext, TSettings>,
): void {
  const start = async () => {
    const { service, config, logger, tracing } = await buildSubgraphService(subgraph);
    await runService(service, { port: config.PORT, host: config.HOST, logger, tracing });
  };
  start().catch((error: unknown) => {
    console.error(`${subgraph.name} failed to start:`, error instanceof Error ? error.message : error);
    // A bad environment variable (a ConfigError) is a configuration problem: exit 2; anything else 1.
    process.exit(error instanceof ConfigError ? 2 : 1);
  });
}
