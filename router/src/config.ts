import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, env, loadConfig } from "@supergraph/service-kit";
import { readRouterFile } from "./routerFile.js";

/** The repo root's supergraph.graphql; the same from src/ (tsx) and dist/ (node). */
const DEFAULT_SUPERGRAPH_PATH = fileURLToPath(new URL("../../supergraph.graphql", import.meta.url));
/** router/router.yaml; the same from src/ (tsx) and dist/ (node). */
const DEFAULT_ROUTER_CONFIG_PATH = fileURLToPath(new URL("../router.yaml", import.meta.url));

/** `SUBGRAPH_<NAME>_URL`: one URL, or a comma-separated list of replica URLs, for subgraph `<name>`. */
const SUBGRAPH_URL_VARIABLE = /^SUBGRAPH_([A-Z0-9_]+)_URL$/;

/** Runs one parser, collecting its ConfigError problems so every bad variable is reported at once. */
function collect<T>(parse: () => T, problems: string[]): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
    return undefined;
  }
}

/** Every environment variable the router reads, parsed once. See README.md. */
export function readConfig(source: NodeJS.ProcessEnv = process.env) {
  const problems: string[] = [];
  const base = collect(
    () =>
      loadConfig(
        {
          PORT: env.port(4000),
          HOST: env.string("127.0.0.1"),
          SUPERGRAPH_PATH: env.optionalString(),
          ROUTER_CONFIG_PATH: env.optionalString(),
          LOG_LEVEL: env.logLevel(),
          LOG_FORMAT: env.logFormat(),
          NODE_ENV: env.nodeEnv(),
          /** Opt-in: Apollo telemetry stays off unless this is on. */
          APOLLO_TELEMETRY: env.switch(false),
        },
        source,
      ),
    problems,
  );
  const variables = Object.keys(source)
    .filter((name) => SUBGRAPH_URL_VARIABLE.test(name))
    .sort();
  const overrides = collect(
    () => loadConfig(Object.fromEntries(variables.map((name) => [name, env.urlList()])), source),
    problems,
  );
  const routerConfigPath = resolve(base?.ROUTER_CONFIG_PATH ?? DEFAULT_ROUTER_CONFIG_PATH);
  const file = collect(
    () => readRouterFile(routerConfigPath, base?.ROUTER_CONFIG_PATH !== undefined, source),
    problems,
  );
  if (!base || !overrides || !file) throw new ConfigError(problems);

  const subgraphUrls: Record<string, readonly string[]> = {};
  for (const [variable, urls] of Object.entries(overrides)) {
    const name = SUBGRAPH_URL_VARIABLE.exec(variable)?.[1];
    if (name !== undefined && Array.isArray(urls)) subgraphUrls[name] = urls;
  }
  return Object.freeze({
    ...base,
    /** Absolute, so messages name the exact file: SUPERGRAPH_PATH, else router.yaml's supergraph.path, else the repo's. */
    SUPERGRAPH_PATH: resolve(base.SUPERGRAPH_PATH ?? file.supergraph.path ?? DEFAULT_SUPERGRAPH_PATH),
    /** The router configuration file that was read (undefined: the default one does not exist). */
    ROUTER_CONFIG_PATH: file.path,
    /** router.yaml with the `ROUTER_*` overrides applied. */
    router: file,
    /** Replica URLs from the `SUBGRAPH_<NAME>_URL` variables that are set, by `<NAME>` (the subgraph's name as they spell it). */
    SUBGRAPH_URLS: Object.freeze(subgraphUrls),
    production: base.NODE_ENV === "production",
  });
}

export type Config = ReturnType<typeof readConfig>;
