import type { AddressInfo } from "node:net";
import { runService } from "@supergraph/service-kit";
import { buildRouter, EXAMPLE_QUERY } from "./buildRouter.js";
import type { Config } from "./config.js";

/** Where a person should point a browser or a client. */
function publicUrl({ address, port }: AddressInfo, path: string): string {
  const host = ["0.0.0.0", "::", "127.0.0.1", "::1"].includes(address) ? "localhost" : address;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}${path}`;
}

/** Outside production (no internal listener): where the status page and the metrics are. */
function statusLines(config: Config, address: AddressInfo): string[] {
  return [
    ...(config.STATUS_PAGE ? [`Live status page: ${publicUrl(address, "/status")}`] : []),
    ...(config.METRICS ? [`Prometheus metrics: ${publicUrl(address, "/metrics")}`] : []),
  ];
}

async function main(): Promise<void> {
  const { service, config, logger, tracing } = await buildRouter();
  await runService(service, {
    port: config.PORT,
    host: config.HOST,
    logger,
    tracing,
    onListening: (address) => {
      const lines = config.production
        ? [`Router ready: GraphQL at ${publicUrl(address, "/graphql")}`]
        : [
            `Router ready. Open Apollo Sandbox: ${publicUrl(address, "/")}`,
            `GraphQL endpoint: ${publicUrl(address, "/graphql")}`,
            ...(config.internal ? [] : statusLines(config, address)),
            "Try this query:",
            EXAMPLE_QUERY.replace(/^/gm, "  "),
          ];
      if (config.internal) {
        const port = service.internalServer?.address();
        const where = typeof port === "object" && port ? port.port : config.internal.port;
        const internalRoutes = [
          "/ready",
          ...(config.METRICS ? ["/metrics"] : []),
          ...(config.STATUS_PAGE ? ["/status"] : []),
        ];
        lines.push(`Internal endpoints (${internalRoutes.join(", ")}): port ${where}, not for the public`);
      }
      console.log(`\n${lines.join("\n")}\n`);
    },
  });
}

main().catch((error: unknown) => {
  console.error("router failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
