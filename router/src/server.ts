import { ApolloServer, type BaseContext } from "@apollo/server";
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from "@apollo/server/plugin/landingPage/default";
import { encodeIdentity, IDENTITY_HEADER, type Identity, signRequest } from "@supergraph/auth";
import {
  type CompletedRequest,
  createService,
  type Logger,
  type Service,
  type TraceContext,
  type Tracing,
} from "@supergraph/service-kit";
import { countCacheLookups } from "./cacheLookups.js";
import { createGateway } from "./createGateway.js";
import { operationSharing } from "./dedup/operationSharing.js";
import { DEDUPLICATION_DEFAULTS, type DeduplicationSettings } from "./dedup/settings.js";
import { observeAll } from "./fault/observer.js";
import { UpstreamRegistry } from "./fault/registry.js";
import { resolveSubgraphSettings, type SubgraphSection } from "./fault/settings.js";
import type { UpstreamDeps } from "./fault/upstream.js";
import { formatRouterError } from "./formatRouterError.js";
import { operationLimits } from "./limits/operationLimits.js";
import { LIMIT_DEFAULTS, type OperationLimits } from "./limits/settings.js";
import { introspection } from "./plugins/introspection.js";
import { operationResolution } from "./plugins/operationResolution.js";
import { readiness } from "./plugins/readiness.js";
import { responseCacheMetrics } from "./responseCache/metrics.js";
import { responseCache as createResponseCache } from "./responseCache/responseCache.js";
import { RESPONSE_CACHE_DEFAULTS, type ResponseCacheSettings } from "./responseCache/settings.js";
import { routerMetrics } from "./routerMetrics.js";
import { createAdmission, identityOf } from "./security/admission.js";
import type { SecuritySettings } from "./security/settings.js";
import { apqCache } from "./shared/apqCache.js";
import { connectRedis, type RedisOptions } from "./shared/redis.js";
import { statusPage as createStatusPage } from "./status/statusPage.js";
import { SubgraphDataSource } from "./subgraphDataSource.js";
import { checkSubgraphKeys, forSubgraph, listSubgraphs, unknownSubgraphKeys } from "./supergraph.js";
import { applyTelemetryChoice } from "./telemetry.js";
import { type TrustedDocuments, trustedDocumentsPlugin } from "./trustedDocuments.js";
import { type SupergraphState, watchSupergraph } from "./watchSupergraph.js";

export interface ServerDeps {
  /** The composed supergraph (supergraph.graphql); its routing URLs say where each subgraph is. */
  supergraphSdl: string;
  /**
   * Per-subgraph replica URLs, by subgraph name, spelled as written or as an environment variable
   * would (`users`, `USERS`): e.g. `{ users: "http://users:4001/graphql" }` or a list of replicas.
   * They win over router.yaml's `urls` and the supergraph's routing URL. A key naming no subgraph
   * is a ConfigError naming its `SUBGRAPH_<NAME>_URL` variable. Default: none.
   */
  subgraphUrls?: Readonly<Record<string, string | readonly string[]>>;
  /**
   * router.yaml's `subgraphs` sections: `all` and `<name>` (timeouts, retries, breaker, ...); a
   * section naming no subgraph is a ConfigError. Default: none (built-in defaults).
   */
  subgraphSettings?: Readonly<Record<string, SubgraphSection>>;
  /** Hot reload: watch this supergraph file and serve each new valid version. Default: none (the supergraph is static). */
  reload?: { path: string; pollIntervalMs?: number };
  logger: Logger;
  /** Production: no Sandbox, no introspection, no query plans in responses. Default: false. */
  production?: boolean;
  /** One log line per request (the service kit's). Default: true. */
  logRequests?: boolean;
  /** Lets @apollo/gateway and Sandbox send Apollo telemetry. Default: false (opt-in). */
  telemetry?: boolean;
  /** Operation Sandbox opens with. Default: none. */
  sandboxDocument?: string;
  /** Test seams of the subgraph clients (DNS lookup, backoff sleep, jitter). Default: the real ones. */
  upstreamDeps?: UpstreamDeps;
  /**
   * router.yaml's `limits`: depth, aliases, root fields, directives, tokens and characters, cost;
   * an operation over one is refused with its code before any subgraph is called. Default: the
   * built-in defaults (LIMIT_DEFAULTS, as in router.yaml).
   */
  limits?: OperationLimits;
  /**
   * Who may call, and proof for the subgraphs: bearer-token checks, rate limits, CORS, trusted
   * proxies and the secret that signs every subgraph request. Default: none, i.e. no token checks,
   * no rate limit, unsigned subgraph requests (what `PROTECTIONS=off` runs; subgraphs refuse it).
   */
  security?: RouterSecurity;
  /** A separate listener for `/ready` (production). Default: none, served on the main port. */
  internal?: { port: number; host?: string };
  /**
   * router.yaml's `trustedDocuments`, loaded: manifest operations are known by hash; with `enforce`,
   * nothing else runs (PERSISTED_QUERY_NOT_LISTED). Default: none (APQ and any query, as always).
   */
  trustedDocuments?: TrustedDocuments;
  /**
   * Prometheus metrics at `/metrics`, an internal route (on the internal listener when there is
   * one): requests, refusals, subgraph fetches, tries, retries and circuits. Default: true.
   */
  metrics?: boolean;
  /**
   * The live status page: `/status`, `/status.json` and `/status/events`, internal routes (on the
   * internal listener when there is one). Default: on outside production, off in production.
   */
  statusPage?: boolean;
  /**
   * OpenTelemetry tracing (service kit's `startTracing`, global so @apollo/gateway's spans join it):
   * a span per request, the gateway's validate/plan/execute/fetch spans under it, a client span per
   * try to a subgraph, whose `traceparent` the subgraph continues. Default: none (off).
   */
  tracing?: Tracing;
  /**
   * A Redis the router replicas share state through (REDIS_URL): the rate-limit counters and the
   * automatic persisted queries (APQ). Commands fail fast, and while Redis is unavailable the router
   * serves with in-memory fallbacks, says so in `/ready` (`sharedState`, `degraded`) and in its
   * log, and reconnects by itself. Default: none (both in this router's memory).
   */
  redis?: Omit<RedisOptions, "logger">;
  /**
   * router.yaml's `deduplication`: identical in-flight client queries share one execution, and
   * identical in-flight subgraph fetches of queries one request, each only for the same caller.
   * Default: both on (DEDUPLICATION_DEFAULTS).
   */
  deduplication?: DeduplicationSettings;
  /**
   * router.yaml's `server.requestTimeoutMs`: longest a client may take to send a whole request
   * (then 408 and the connection is closed). Default: 30000 ms.
   */
  requestTimeoutMs?: number;
  /**
   * router.yaml's `responseCache`: whole query responses kept in memory as the subgraphs'
   * `@cacheControl` hints allow, PRIVATE ones per caller, evicted by mutations returning their
   * types (README, "Response cache"). `now` is a test seam for TTLs (default: Date.now).
   * Default: off (RESPONSE_CACHE_DEFAULTS).
   */
  responseCache?: ResponseCacheSettings & { now?: () => number };
}

/** What the router enforces at its door and proves to the subgraphs. */
export interface RouterSecurity {
  /** Checks a bearer token; throws TokenError (from @supergraph/auth) saying why it is refused. */
  verifyToken: (token: string) => Promise<Identity>;
  /** HMAC key of the router-to-subgraph signatures. */
  signingSecret: string;
  settings: SecuritySettings;
}

/** The GraphQL context of one router request: who the caller is, passed to the subgraphs. */
export interface RouterContext extends BaseContext {
  identity?: Identity | null;
  /** The request's id (x-request-id), passed to the subgraphs so their logs and masked errors name the same id. */
  requestId?: string;
  /** The request's trace (W3C Trace Context), continued by the subgraphs through `traceparent`. */
  trace?: TraceContext;
}

/** Apollo Sandbox calls the router from these origins (embedded on the landing page, or from Apollo Studio). */
export const SANDBOX_ORIGINS = ["https://sandbox.embed.apollographql.com", "https://studio.apollographql.com"];

/** Signs each try to a subgraph afresh, over its body and the identity header the data source set. */
const signer =
  (secret: string) =>
  (body: string, headers: Record<string, string>): Record<string, string> => ({
    ...headers,
    ...signRequest(secret, { body, identity: headers[IDENTITY_HEADER] ?? encodeIdentity(null) }),
  });

const asList = (urls: string | readonly string[]) => (typeof urls === "string" ? [urls] : urls);

/**
 * Builds the router (not listening): an ApolloGateway over a supergraph file (hot-reloaded when
 * `reload` is given; no introspection of subgraphs), each subgraph reached through replicas with
 * keep-alive pools, timeouts, retries and circuit breakers; served by the service kit with
 * `/health` (liveness), `/ready` (readiness and subgraph states) and graceful shutdown; with
 * `redis`, rate limits and persisted queries shared with the other router replicas.
 * Subgraphs need not be up when the router starts; a query touching a failing subgraph gets an
 * error with a stable code for that part and the rest of its data.
 */
export async function createServer({
  supergraphSdl,
  subgraphUrls = {},
  subgraphSettings = {},
  reload,
  logger,
  production = false,
  logRequests = true,
  telemetry = false,
  sandboxDocument,
  upstreamDeps,
  limits = LIMIT_DEFAULTS,
  security,
  internal,
  trustedDocuments,
  statusPage = !production,
  metrics: metricsOn = true,
  tracing,
  redis: redisOptions,
  deduplication = DEDUPLICATION_DEFAULTS,
  requestTimeoutMs,
  responseCache: { now, ...responseCacheSettings } = RESPONSE_CACHE_DEFAULTS,
}: ServerDeps): Promise<Service<RouterContext>> {
  if (trustedDocuments) {
    const { sources: manifests, size: documents, enforce } = trustedDocuments;
    logger.info({ manifests, documents, enforce }, "trusted documents loaded");
  }
  // A URL override or router.yaml section naming no subgraph would silently not apply: refuse it.
  checkSubgraphKeys(listSubgraphs(supergraphSdl), { urls: subgraphUrls, sections: subgraphSettings });
  const status = statusPage
    ? createStatusPage({
        subgraphs: () => registry.status(loaded ? watcher.state().subgraphs : undefined),
        supergraph: () => (loaded ? watcher.state() : null),
        logger: logger.child({ component: "status" }),
      })
    : undefined;
  const metrics = metricsOn ? routerMetrics({ knownOperations: trustedDocuments?.operationNames ?? [] }) : undefined;
  // Who hears of each subgraph try and fetch, and of each finished request.
  const observers = [upstreamDeps?.observer, status?.observer, metrics?.observer].filter(
    (observer) => observer !== undefined,
  );
  const deps: UpstreamDeps | undefined =
    observers.length > 0 ? { ...upstreamDeps, observer: observeAll(observers) } : upstreamDeps;
  const requestListeners = [status?.onRequestDone].filter((listener) => listener !== undefined);
  const registry = new UpstreamRegistry(
    (name) => {
      const override = forSubgraph(subgraphUrls, name);
      return resolveSubgraphSettings(
        subgraphSettings.all,
        forSubgraph(subgraphSettings, name),
        override ? asList(override) : undefined,
      );
    },
    logger.child({ component: "subgraphs" }),
    {
      ...deps,
      ...(security ? { sign: signer(security.signingSecret) } : {}),
      ...(tracing ? { tracing } : {}),
    },
  );
  metrics?.watch(() => registry.status());
  // Connects in the background; the first attempt is waited for (at most its connect timeout), so a
  // router whose Redis is up shares its state from its first request.
  const redis = redisOptions
    ? connectRedis({ ...redisOptions, logger: logger.child({ component: "redis" }) })
    : undefined;
  if (redis) {
    await redis.settled;
    metrics?.watchRedis(() => redis.ready);
  }

  const watcher = watchSupergraph({
    initialSdl: supergraphSdl,
    ...(reload ? { path: reload.path, pollIntervalMs: reload.pollIntervalMs } : {}),
    validate: (sdl) => {
      const missing = unknownSubgraphKeys(listSubgraphs(sdl), subgraphUrls);
      if (missing.length > 0) throw new Error(`it has no subgraph ${missing.join(", ")}, which a URL override names`);
    },
    logger,
  });
  let loaded = false;
  const ready = readiness({
    registry,
    supergraph: () => (loaded ? watcher.state() : null),
    ...(redis ? { redis } : {}),
  });

  // Must run before the gateway is constructed: that is when it decides whether to report.
  applyTelemetryChoice(telemetry);
  const gatewayLogger = logger.child({ component: "gateway" });
  const { gateway, coded } = createGateway({
    supergraphSdl: watcher.hook,
    logger: gatewayLogger,
    production,
    buildService: ({ name, url }) => {
      if (!url && !forSubgraph(subgraphUrls, name)) {
        throw new Error(`The supergraph has no routing URL for subgraph "${name}".`);
      }
      const upstream = registry.get(name, url ?? "");
      return new SubgraphDataSource(name, upstream, url ?? "", gatewayLogger, {
        tracing,
        shareFetches: deduplication.subgraphFetches,
        signed: security !== undefined,
        ...(metrics ? { onShared: metrics.subgraphFetchShared } : {}),
      });
    },
  });
  gateway.onSchemaLoadOrUpdate(() => {
    loaded = true;
  });

  const guard = operationLimits<RouterContext>(limits);
  const responseCache = createResponseCache({
    settings: responseCacheSettings,
    logger: logger.child({ component: "response-cache" }),
    ...(metrics && responseCacheSettings.enabled ? { metrics: responseCacheMetrics(metrics.service) } : {}),
    ...(now ? { now } : {}),
  });
  const sharing = deduplication.operations ? operationSharing(metrics?.operationShared) : undefined;
  const service = createService<RouterContext>({
    name: "router",
    logger,
    logRequests,
    ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
    buildApollo: (base) =>
      new ApolloServer<RouterContext>({
        gateway: coded,
        ...base,
        formatError: guard.formatError(formatRouterError(base.formatError, logger, { hideSuggestions: production })),
        introspection: !production,
        // APQ: shared through Redis when there is one; else Apollo Server's in-memory default.
        ...(redis
          ? { persistedQueries: { cache: apqCache({ redis, logger: logger.child({ component: "apq" }) }) } }
          : {}),
        // Production: no "Did you mean ...?" field suggestions in validation errors (formatRouterError
        // removes them from variable errors too).
        hideSchemaDetailsFromClientErrors: production,
        parseOptions: guard.parseOptions,
        validationRules: guard.validationRules,
        plugins: [
          ...base.plugins,
          // First of the router's own: it may give a hash-only request its text, or refuse it.
          ...(trustedDocuments
            ? [
                trustedDocumentsPlugin<RouterContext>(
                  trustedDocuments,
                  logger.child({ component: "trusted-documents" }),
                ),
              ]
            : []),
          ready.plugin,
          operationResolution,
          introspection,
          ...(sharing ? [sharing.plugin] : []),
          ...(metrics ? [countCacheLookups<RouterContext>(gateway, metrics.cacheLookup)] : []),
          ...guard.plugins,
          // After the limits: a refused operation is never answered from the cache.
          ...responseCache.plugins,
          production
            ? ApolloServerPluginLandingPageProductionDefault({ footer: false })
            : ApolloServerPluginLandingPageLocalDefault({
                embed: { runTelemetry: telemetry, endpointIsEditable: false },
                footer: false,
                ...(sandboxDocument ? { document: sandboxDocument } : {}),
              }),
        ],
      }),
    context: async (request) => ({ identity: identityOf(request), requestId: request.requestId, trace: request.trace }),
    ...(security
      ? {
          admit: createAdmission({
            verifyToken: security.verifyToken,
            rateLimit: security.settings.rateLimit,
            logger: logger.child({ component: "admission" }),
            ...(redis ? { redis } : {}),
          }),
          trustProxy: [...security.settings.trustedProxies],
        }
      : {}),
    corsOrigins: [...(security?.settings.cors.origins ?? []), ...(production ? [] : SANDBOX_ORIGINS)],
    ...(internal ? { internal } : {}),
    ...(sharing ? { shareInflight: sharing.sharing } : {}),
    ...(metrics ? { metrics: metrics.service } : {}),
    ...(tracing ? { tracing } : {}),
    routes: [
      { ...ready.route, internal: true },
      ...(status?.routes ?? []),
      // A browser opening http://localhost:4000/ lands on the page at /graphql (Sandbox outside production).
      {
        path: "/",
        handle: ({ accepts }) =>
          accepts(["application/json", "text/html"]) === "text/html" ? { redirect: "/graphql" } : undefined,
      },
    ],
    // After in-flight requests have drained: stop probes, close subgraph connection pools and Redis.
    onClose: async () => {
      await registry.close();
      await redis?.close();
    },
    ...(requestListeners.length > 0
      ? {
          onRequestDone: (request: CompletedRequest) => {
            for (const listener of requestListeners) listener(request);
          },
        }
      : {}),
  });
  try {
    return await service;
  } catch (error) {
    await redis?.close();
    throw error;
  }
}

export type { SupergraphState };
