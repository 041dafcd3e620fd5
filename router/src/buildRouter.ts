import { createTokenVerifier } from "@supergraph/auth";
import { createLogger, type Logger, type Service, startTracing, type Tracing } from "@supergraph/service-kit";
import { type Config, readConfig } from "./config.js";
import { LIMITS_OFF } from "./limits/settings.js";
import { createServer, type RouterContext, type RouterSecurity } from "./server.js";
import { readSupergraphFile } from "./supergraph.js";
import { TrustedDocuments } from "./trustedDocuments.js";

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
 * that puts another HTTP front before the same router builds. Its tracing is `options.tracing` when
 * given (a test's, with an in-memory exporter), else started from the OTEL_* variables when they set
 * an endpoint, else off.
 */
export async function buildRouter(
  env: NodeJS.ProcessEnv = process.env,
  options: { tracing?: Tracing } = {},
): Promise<{ service: Service<RouterContext>; config: Config; logger: Logger; tracing: Tracing | undefined }> {
  const config = readConfig(env);
  const logger = createLogger({ service: "router", level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const tracing = options.tracing ?? (config.tracing ? startTracing({ ...config.tracing, logger }) : undefined);
  const { supergraphSdl, subgraphs } = readSupergraphFile(config.SUPERGRAPH_PATH);
  const { supergraph: supergraphSettings, subgraphs: subgraphSettings } = config.router;
  logger.info(
    { config: config.ROUTER_CONFIG_PATH ?? "none (defaults)", watch: supergraphSettings.watch },
    "router configuration loaded",
  );
  const { secrets } = config;
  const { authentication } = config.router.security;
  const security: RouterSecurity | undefined = config.PROTECTIONS
    ? {
        verifyToken: createTokenVerifier({ secret: secrets.jwtSecret, jwksUrl: secrets.jwksUrl, ...authentication }),
        signingSecret: secrets.signingSecret,
        settings: config.router.security,
      }
    : undefined;
  if (!security)
    logger.warn(
      "PROTECTIONS=off: no token checks, rate limits or operation limits, and subgraph requests are unsigned",
    );
  else if (secrets.development)
    logger.warn("using the development secrets (see README, Security): never in production");
  logger.info(
    {
      tokens: secrets.jwksUrl ? `JWKS ${secrets.jwksUrl}` : "HS256 secret",
      issuer: authentication.issuer,
      audience: authentication.audience,
    },
    "authentication",
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
    logRequests: config.LOG_REQUESTS,
    telemetry: config.APOLLO_TELEMETRY,
    metrics: config.METRICS,
    sandboxDocument: EXAMPLE_QUERY,
    trustedDocuments: TrustedDocuments.load(config.router.trustedDocuments),
    limits: config.PROTECTIONS ? config.router.limits : LIMITS_OFF,
    ...(security ? { security } : {}),
    ...(config.internal ? { internal: config.internal } : {}),
    statusPage: config.STATUS_PAGE,
    ...(tracing ? { tracing } : {}),
    ...(config.REDIS_URL ? { redis: { url: config.REDIS_URL } } : {}),
    deduplication: config.router.deduplication,
    requestTimeoutMs: config.router.server.requestTimeoutMs,
    responseCache: config.router.responseCache,
  });
  logger.info(
    { supergraph: config.SUPERGRAPH_PATH, subgraphs: subgraphs.map((subgraph) => subgraph.name) },
    "supergraph loaded",
  );
  return { service, config, logger, tracing };
}
