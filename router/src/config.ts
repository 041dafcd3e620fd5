import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, collectProblems, env, loadConfig, readSecret, readTracingConfig } from "@supergraph/service-kit";
import { readRouterFile } from "./routerFile.js";
import { readRouterSecrets } from "./security/secrets.js";

/** The repo root's supergraph.graphql; the same from src/ (tsx) and dist/ (node). */
const DEFAULT_SUPERGRAPH_PATH = fileURLToPath(new URL("../../supergraph.graphql", import.meta.url));
/** router/router.yaml; the same from src/ (tsx) and dist/ (node). */
const DEFAULT_ROUTER_CONFIG_PATH = fileURLToPath(new URL("../router.yaml", import.meta.url));

/** `SUBGRAPH_<NAME>_URL`: one URL, or a comma-separated list of replica URLs, for subgraph `<name>`. */
const SUBGRAPH_URL_VARIABLE = /^SUBGRAPH_([A-Z0-9_]+)_URL$/;

/**
 * REDIS_URL, or REDIS_URL_FILE naming a file that holds it (the URL may carry a password): the Redis
 * that router replicas share their rate-limit counters and persisted queries through. Unset: none.
 * A value that is not a `redis://` or `rediss://` URL is a ConfigError naming the variable (never
 * quoting the value, which may hold a password).
 */
export function readRedisUrl(source: NodeJS.ProcessEnv): string | undefined {
  const value = readSecret("REDIS_URL", source)?.trim();
  if (value === undefined || value === "") return undefined;
  const name = source.REDIS_URL_FILE?.trim() ? "REDIS_URL_FILE" : "REDIS_URL";
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !["redis:", "rediss:"].includes(url.protocol) || url.hostname === "" || !/^\/?\d*$/.test(url.pathname)) {
    throw new ConfigError([
      `${name}: expected a redis:// or rediss:// URL such as redis://localhost:6379 (or redis://:password@host:6379/0)`,
    ]);
  }
  return value;
}

/** Every environment variable the router reads, parsed once. See README.md. */
export function readConfig(source: NodeJS.ProcessEnv = process.env) {
  const problems: string[] = [];
  const base = collectProblems(
    () =>
      loadConfig(
        {
          PORT: env.port(4000),
          HOST: env.string("127.0.0.1"),
          SUPERGRAPH_PATH: env.optionalString(),
          ROUTER_CONFIG_PATH: env.optionalString(),
          LOG_LEVEL: env.logLevel(),
          LOG_FORMAT: env.logFormat(),
          /** One log line per request (info); `off` only to measure what logging costs. */
          LOG_REQUESTS: env.switch(true),
          NODE_ENV: env.nodeEnv(),
          /** Opt-in: Apollo telemetry stays off unless this is on. */
          APOLLO_TELEMETRY: env.switch(false),
          /** Where /ready (and other internal routes) are served. Default: PORT outside production, 4088 in production. */
          INTERNAL_PORT: env.optionalPort(),
          INTERNAL_HOST: env.optionalString(),
          /**
           * `off` runs without token checks, rate limits, operation limits and request signing: only
           * to measure what they cost (`npm run bench:overhead -- --protections both`); refused in production.
           */
          PROTECTIONS: env.switch(true),
          /** Prometheus metrics at /metrics (on the internal port when there is one). `off` only to measure what they cost. */
          METRICS: env.switch(true),
        },
        source,
      ),
    problems,
  );
  const variables = Object.keys(source)
    .filter((name) => SUBGRAPH_URL_VARIABLE.test(name))
    .sort();
  const overrides = collectProblems(
    () => loadConfig(Object.fromEntries(variables.map((name) => [name, env.urlList()])), source),
    problems,
  );
  const routerConfigPath = resolve(base?.ROUTER_CONFIG_PATH ?? DEFAULT_ROUTER_CONFIG_PATH);
  const file = collectProblems(
    () => readRouterFile(routerConfigPath, base?.ROUTER_CONFIG_PATH !== undefined, source),
    problems,
  );
  const production = base?.NODE_ENV === "production";
  /** The live status page (/status): on in development, opt-in in production, where it is served on INTERNAL_PORT. */
  const status = collectProblems(() => loadConfig({ STATUS_PAGE: env.switch(!production) }, source), problems);
  const secrets = collectProblems(() => readRouterSecrets(source, production), problems);
  const tracing = collectProblems(() => readTracingConfig(source, "router"), problems);
  const redisUrl = collectProblems(() => readRedisUrl(source), problems);
  if (production && base?.PROTECTIONS === false) problems.push("PROTECTIONS: off is refused in production");
  if (!base || !overrides || !file || !secrets || !status || problems.length > 0) throw new ConfigError(problems);

  const subgraphUrls: Record<string, readonly string[]> = {};
  for (const [variable, urls] of Object.entries(overrides)) {
    const name = SUBGRAPH_URL_VARIABLE.exec(variable)?.[1];
    if (name !== undefined && Array.isArray(urls)) subgraphUrls[name] = urls;
  }
  return Object.freeze({
    ...base,
    /** OpenTelemetry tracing from the OTEL_* variables (see the service kit's readTracingConfig); undefined: off. */
    tracing,
    ...status,
    /** Absolute, so messages name the exact file: SUPERGRAPH_PATH, else router.yaml's supergraph.path, else the repo's. */
    SUPERGRAPH_PATH: resolve(base.SUPERGRAPH_PATH ?? file.supergraph.path ?? DEFAULT_SUPERGRAPH_PATH),
    /** The router configuration file that was read (undefined: the default one does not exist). */
    ROUTER_CONFIG_PATH: file.path,
    /** router.yaml with the `ROUTER_*` overrides applied. */
    router: file,
    /** Replica URLs from the `SUBGRAPH_<NAME>_URL` variables that are set, by `<NAME>` (the subgraph's name as they spell it). */
    SUBGRAPH_URLS: Object.freeze(subgraphUrls),
    production,
    /** The token key and the subgraph signing secret (never logged). */
    secrets,
    /** REDIS_URL: where router replicas share rate limits and APQ (undefined: in memory); may hold a password. */
    REDIS_URL: redisUrl,
    /** The internal listener (/ready) when there is one: always in production, else only if INTERNAL_PORT is set. */
    internal:
      base.INTERNAL_PORT !== undefined || production
        ? { port: base.INTERNAL_PORT ?? 4088, host: base.INTERNAL_HOST ?? base.HOST }
        : undefined,
  });
}

export type Config = ReturnType<typeof readConfig>;
