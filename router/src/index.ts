import cluster from "node:cluster";
import type { AddressInfo } from "node:net";
import { createLogger, runService } from "@supergraph/service-kit";
import { WORKER_VARIABLE } from "./cluster/messages.js";
import { type Config, readConfig } from "./config.js";

/** Where a person should point a browser or a client. */
function publicUrl({ address, port }: Pick<AddressInfo, "address" | "port">, path: string): string {
  const host = ["0.0.0.0", "::", "127.0.0.1", "::1"].includes(address) ? "localhost" : address;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}${path}`;
}

/** Outside production (no internal listener): where the status page and the metrics are. */
function statusLines(config: Config, address: Pick<AddressInfo, "address" | "port">): string[] {
  return [
    ...(config.STATUS_PAGE ? [`Live status page: ${publicUrl(address, "/status")}`] : []),
    ...(config.METRICS ? [`Prometheus metrics: ${publicUrl(address, "/metrics")}`] : []),
  ];
}

/** What the router prints once it listens: where to open Sandbox, an example query, the internal endpoints. */
function banner(
  config: Config,
  address: Pick<AddressInfo, "address" | "port">,
  internalPort: number | undefined,
  exampleQuery: string,
): string {
  const lines = config.production
    ? [`Router ready: GraphQL at ${publicUrl(address, "/graphql")}`]
    : [
        `Router ready. Open Apollo Sandbox: ${publicUrl(address, "/")}`,
        `GraphQL endpoint: ${publicUrl(address, "/graphql")}`,
        ...(config.internal ? [] : statusLines(config, address)),
        "Try this query:",
        exampleQuery.replace(/^/gm, "  "),
      ];
  if (config.internal) {
    const internalRoutes = [
      "/ready",
      ...(config.METRICS ? ["/metrics"] : []),
      ...(config.STATUS_PAGE ? ["/status"] : []),
    ];
    lines.push(
      `Internal endpoints (${internalRoutes.join(", ")}): port ${internalPort ?? config.internal.port}, not for the public`,
    );
  }
  const { workers } = config.router.server;
  if (workers > 1) lines.push(`${workers} worker processes share these ports (server.workers)`);
  return `\n${lines.join("\n")}\n`;
}

/** One process serving the router (`server.workers: 1`, the default). */
async function runSingle(): Promise<void> {
  const { buildRouter, EXAMPLE_QUERY } = await import("./buildRouter.js");
  const { service, config, logger, tracing } = await buildRouter();
  await runService(service, {
    port: config.PORT,
    host: config.HOST,
    logger,
    tracing,
    onListening: (address) => {
      const internal = service.internalServer?.address();
      const internalPort = typeof internal === "object" && internal ? internal.port : undefined;
      console.log(banner(config, address, internalPort, EXAMPLE_QUERY));
    },
  });
}

async function main(): Promise<void> {
  // A worker forked by this router's primary (see cluster/primary.ts).
  if (cluster.isWorker && process.env[WORKER_VARIABLE] === "1") {
    const { runWorker } = await import("./cluster/worker.js");
    await runWorker();
    return;
  }
  const config = readConfig();
  const { workers, auto } = config.router.server;
  if (workers <= 1) {
    await runSingle();
    return;
  }
  const { runPrimary } = await import("./cluster/primary.js");
  const logger = createLogger({ service: "router", level: config.LOG_LEVEL, format: config.LOG_FORMAT }).child({
    worker: 0,
  });
  logger.info({ workers, auto, pid: process.pid }, "several workers (server.workers): this process is their primary");
  runPrimary({
    config,
    workers,
    logger,
    onListening: ({ port, address, internalPort }) => {
      // The example query only: the gateway's modules stay out of the primary otherwise.
      void import("./buildRouter.js").then(({ EXAMPLE_QUERY }) =>
        console.log(banner(config, { port, address }, internalPort, EXAMPLE_QUERY)),
      );
    },
  });
}

main().catch((error: unknown) => {
  console.error("router failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
