/**
 * A benchmark peer, never shipped: the plain baseline of the gateway race. `@apollo/gateway` over a
 * supergraph file, served by `@apollo/server`'s standalone server, and nothing else: no security,
 * limits, logs, metrics or tuning, every option at its default (Apollo telemetry off:
 * APOLLO_TELEMETRY_DISABLED=1).
 *
 *   SUPERGRAPH_PATH=supergraph.graphql PORT=4000 node --import tsx internal/benchmarks/src/plainGateway.ts
 */
import { readFileSync } from "node:fs";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";

const supergraphPath = process.env.SUPERGRAPH_PATH;
if (!supergraphPath) {
  console.error("SUPERGRAPH_PATH must name the supergraph file.");
  process.exit(2);
}
const server = new ApolloServer({
  gateway: new ApolloGateway({ supergraphSdl: readFileSync(supergraphPath, "utf8") }),
});
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.PORT ?? 4000), host: process.env.HOST ?? "127.0.0.1" },
});
console.log(`plain @apollo/gateway ready at ${url}`);
process.on("SIGTERM", () => {
  void server.stop().then(() => process.exit(0));
});
