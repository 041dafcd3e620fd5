import type { BaseContext } from "@apollo/server";
import { createLogger, type Logger, type Service } from "@supergraph/service-kit";
import { type Config, readConfig } from "./config.js";
import { createServer } from "./server.js";
import { readSupergraphFile } from "./supergraph.js";

/** Opened in Sandbox and printed at start: one query served by both subgraphs. */
export const EXAMPLE_QUERY = `query ProductsWithCreators {
  products(first: 5) {
    nodes {
      name
      price
      createdBy {
        name
        email
      }
    }
  }
}`;

/**
 * The router as its process runs it, built (not listening) from the environment: its variables,
 * router.yaml and the supergraph file. What `src/index.ts` listens with; also what a benchmark
 * that puts another HTTP front before the same router builds.
 */
export async function buildRouter(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ service: Service<BaseContext>; config: Config; logger: Logger }> {
  const config = readConfig(env);
  const logger = createLogger({ service: "router", level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const { supergraphSdl, subgraphs } = readSupergraphFile(config.SUPERGRAPH_PATH);
  const { supergraph: supergraphSettings, subgraphs: subgraphSettings } = config.router;
  logger.info(
    { config: config.ROUTER_CONFIG_PATH ?? "none (defaults)", watch: supergraphSettings.watch },
    "router configuration loaded",
  );
  const service = await createServer({
    supergraphSdl,
    subgraphUrls: config.SUBGRAPH_URLS,
    subgraphSettings,
    ...(supergraphSettings.watch
      ? { reload: { path: config.SUPERGRAPH_PATH, pollIntervalMs: supergraphSettings.pollIntervalMs } }
      : {}),
    logger,
    production: config.production,
    telemetry: config.APOLLO_TELEMETRY,
    sandboxDocument: EXAMPLE_QUERY,
  });
  logger.info(
    { supergraph: config.SUPERGRAPH_PATH, subgraphs: subgraphs.map((subgraph) => subgraph.name) },
    "supergraph loaded",
  );
  return { service, config, logger };
}
