/**
 * A benchmark peer, never shipped: one deployable's service exactly as its process builds it (from
 * the environment: PORT, HOST, DATABASE_FILE, SUBGRAPH_<NAME>_URL, ...), served by Express 5 and
 * @as-integrations/express5 instead of the service kit's Fastify front. Racing the two shows what the
 * HTTP front costs, and that the kit's is the faster.
 *
 *   node --import tsx internal/benchmarks/src/expressFront.ts <router|users|products>
 */
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { BaseContext } from "@apollo/server";
import { expressMiddleware } from "@as-integrations/express5";
import { products } from "@supergraph/products/server";
import { buildRouter } from "@supergraph/router/buildRouter";
import { continueTrace, type Service } from "@supergraph/service-kit";
import { buildSubgraphService } from "@supergraph/subgraph-kit";
import { users } from "@supergraph/users/server";
import express from "express";

const which = process.argv[2];
const built =
  which === "router"
    ? await buildRouter()
    : which === "users"
      ? await buildSubgraphService(users)
      : which === "products"
        ? await buildSubgraphService(products)
        : undefined;
if (!built) {
  console.error("usage: expressFront.ts <router|users|products>");
  process.exit(2);
}
const { service, config } = built;

/** Serves one service's GraphQL with Express: the only thing that differs from the kit's own front. */
function serve<TContext extends BaseContext>(service: Service<TContext>, port: number, host: string): Server {
  const app = express();
  app.disable("x-powered-by");
  app.get("/health", (_req, res) => {
    res.json({ status: "ok", service: which, front: "express" });
  });
  app.use(
    "/graphql",
    express.json({ limit: "1mb" }),
    expressMiddleware(service.apollo, {
      context: ({ req }) =>
        service.context({
          headers: req.headers,
          accepts: (types) => req.accepts(types),
          ip: req.ip ?? "",
          requestId: randomUUID(),
          locals: new Map(),
          trace: continueTrace(req.headers.traceparent),
          summary: {},
        }),
    }),
  );
  return app.listen(port, host);
}

const server = serve(service as Service<BaseContext>, config.PORT, config.HOST);
process.on("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  void service.close().then(() => process.exit(0));
});
