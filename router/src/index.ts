import type { AddressInfo } from "node:net";
import { runService } from "@supergraph/service-kit";
import { buildRouter, EXAMPLE_QUERY } from "./buildRouter.js";

/** Where a person should point a browser or a client. */
function publicUrl({ address, port }: AddressInfo, path: string): string {
  const host = ["0.0.0.0", "::", "127.0.0.1", "::1"].includes(address) ? "localhost" : address;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}${path}`;
}

async function main(): Promise<void> {
  const { service, config, logger } = await buildRouter();
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
      if (config.internal) {
        const port = service.internalServer?.address();
        const where = typeof port === "object" && port ? port.port : config.internal.port;
        lines.push(`Internal endpoints (/ready): port ${where}, not for the public`);
      }
      console.log(`\n${lines.join("\n")}\n`);
    },
  });
}

main().catch((error: unknown) => {
  console.error("router failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
