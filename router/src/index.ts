import type { AddressInfo } from "node:net";
import { createLogger, runService } from "@supergraph/service-kit";
import { readConfig } from "./config.js";
import { createServer } from "./server.js";
import { readSupergraphFile, resolveSubgraphUrls } from "./supergraph.js";

/** Opened in Sandbox and printed at start: one query served by both subgraphs. */
const EXAMPLE_QUERY = `query ProductsWithCreators {
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

/** Where a person should point a browser or a client. */
function publicUrl({ address, port }: AddressInfo, path: string): string {
  const host = ["0.0.0.0", "::", "127.0.0.1", "::1"].includes(address) ? "localhost" : address;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}${path}`;
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger({ service: "router", level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const { supergraphSdl, subgraphs } = readSupergraphFile(config.SUPERGRAPH_PATH);
  const subgraphUrls = resolveSubgraphUrls(subgraphs, config.SUBGRAPH_URLS);
  const { supergraph: supergraphSettings, subgraphs: subgraphSettings } = config.router;
  logger.info(
    { config: config.ROUTER_CONFIG_PATH ?? "none (defaults)", watch: supergraphSettings.watch },
    "router configuration loaded",
  );
  const service = await createServer({
    supergraphSdl,
    subgraphUrls,
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
  await runService(service, {
    port: config.PORT,
    host: config.HOST,
    logger,
    onListening: (address) => {
      const lines = config.production
        ? [`Router ready: GraphQL at ${publicUrl(address, "/graphql")}`]
        : [
            `Router ready. Open Apollo Sandbox: ${publicUrl(address, "/")}`,
            `GraphQL endpoint: ${publicUrl(address, "/graphql")}`,
            "Try this query:",
            EXAMPLE_QUERY.replace(/^/gm, "  "),
          ];
      console.log(`\n${lines.join("\n")}\n`);
    },
  });
}

main().catch((error: unknown) => {
  console.error("router failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
