import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer, type BaseContext } from "@apollo/server";
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from "@apollo/server/plugin/landingPage/default";
import { createService, type Logger, type Service } from "@supergraph/service-kit";
import { formatRouterError, SubgraphDataSource } from "./subgraphErrors.js";
import { listSubgraphs } from "./supergraph.js";
import { applyTelemetryChoice } from "./telemetry.js";

export interface ServerDeps {
  /** The composed supergraph (supergraph.graphql); its routing URLs say where each subgraph is. */
  supergraphSdl: string;
  /** Per-subgraph URL overrides, by subgraph name (e.g. `{ users: "http://users:4001/graphql" }`). Default: none. */
  subgraphUrls?: Readonly<Record<string, string>>;
  logger: Logger;
  /** Production: no Sandbox, no introspection, no query plans in responses. Default: false. */
  production?: boolean;
  /** Lets @apollo/gateway and Sandbox send Apollo telemetry. Default: false (opt-in). */
  telemetry?: boolean;
  /** Operation Sandbox opens with. Default: none. */
  sandboxDocument?: string;
}

/**
 * Builds the router (not listening): an ApolloGateway over a static supergraph (no introspection
 * of subgraphs, no polling), served by the service kit with `/health` and graceful shutdown.
 * Subgraphs need not be up when the router starts; a query touching a down subgraph gets a
 * SUBREQUEST_HTTP_ERROR for that part and the rest of its data.
 */
export async function createServer({
  supergraphSdl,
  subgraphUrls = {},
  logger,
  production = false,
  telemetry = false,
  sandboxDocument,
}: ServerDeps): Promise<Service<BaseContext>> {
  const known = new Set(listSubgraphs(supergraphSdl).map((subgraph) => subgraph.name));
  const unknown = Object.keys(subgraphUrls).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new Error(`URL overrides for unknown subgraphs: ${unknown.join(", ")} (known: ${[...known].join(", ")})`);
  }

  // Must run before the gateway is constructed: that is when it decides whether to report.
  applyTelemetryChoice(telemetry);
  const gatewayLogger = logger.child({ component: "gateway" });
  const gateway = new ApolloGateway({
    supergraphSdl,
    logger: gatewayLogger,
    __exposeQueryPlanExperimental: !production,
    buildService: ({ name, url }) => {
      const target = subgraphUrls[name] ?? url;
      if (!target) throw new Error(`The supergraph has no routing URL for subgraph "${name}".`);
      logger.info({ subgraph: name, url: target, overridden: name in subgraphUrls }, "subgraph route");
      return new SubgraphDataSource(name, target, gatewayLogger);
    },
  });

  return createService<BaseContext>({
    name: "router",
    logger,
    buildApollo: (base) =>
      new ApolloServer<BaseContext>({
        gateway,
        ...base,
        formatError: formatRouterError(base.formatError),
        introspection: !production,
        plugins: [
          ...base.plugins,
          production
            ? ApolloServerPluginLandingPageProductionDefault({ footer: false })
            : ApolloServerPluginLandingPageLocalDefault({
                embed: { runTelemetry: telemetry, endpointIsEditable: false },
                footer: false,
                ...(sandboxDocument ? { document: sandboxDocument } : {}),
              }),
        ],
      }),
    context: async () => ({}),
    configureApp: (app) => {
      // A browser opening http://localhost:4000/ lands on the page at /graphql (Sandbox outside production).
      app.get("/", (req, res, next) => {
        if (req.accepts(["application/json", "text/html"]) === "text/html") return res.redirect(302, "/graphql");
        return next();
      });
    },
  });
}
