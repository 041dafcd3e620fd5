import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, env, loadConfig } from "@supergraph/service-kit";
import { z } from "zod";

/** The repo root's supergraph.graphql; the same from src/ (tsx) and dist/ (node). */
const DEFAULT_SUPERGRAPH_PATH = fileURLToPath(new URL("../../supergraph.graphql", import.meta.url));

/** `SUBGRAPH_<NAME>_URL`: overrides the routing URL of subgraph `<name>` composed into the supergraph. */
export const SUBGRAPH_URL_VARIABLE = /^SUBGRAPH_([A-Z0-9_]+)_URL$/;

const unsetIfEmpty = (value: unknown) => (value === "" ? undefined : value);

const subgraphUrl = z.preprocess(
  unsetIfEmpty,
  z.url({ protocol: /^https?$/, error: "expected an http(s) URL such as http://localhost:4001/graphql" }).optional(),
);

const ON = ["on", "true", "1", "yes", "enabled"];
const OFF = ["off", "false", "0", "no", "disabled"];
/** Opt-in switch: Apollo telemetry is off unless set to on/true/1/yes. */
const telemetrySwitch = z.preprocess(
  (value) => (typeof value === "string" ? unsetIfEmpty(value.toLowerCase()) : value),
  z
    .enum([...ON, ...OFF] as [string, ...string[]], { error: `expected one of ${[...ON, ...OFF].join(", ")}` })
    .default("off")
    .transform((value) => ON.includes(value)),
);

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
          SUPERGRAPH_PATH: env.string(DEFAULT_SUPERGRAPH_PATH),
          LOG_LEVEL: env.logLevel(),
          LOG_FORMAT: env.logFormat(),
          NODE_ENV: env.nodeEnv(),
          APOLLO_TELEMETRY: telemetrySwitch,
        },
        source,
      ),
    problems,
  );
  const variables = Object.keys(source)
    .filter((name) => SUBGRAPH_URL_VARIABLE.test(name))
    .sort();
  const overrides = collect(
    () => loadConfig(Object.fromEntries(variables.map((name) => [name, subgraphUrl])), source),
    problems,
  );
  if (!base || !overrides) throw new ConfigError(problems);

  const subgraphUrls: Record<string, string> = {};
  for (const [name, url] of Object.entries(overrides)) if (typeof url === "string") subgraphUrls[name] = url;
  return Object.freeze({
    ...base,
    /** Absolute, so messages name the exact file. */
    SUPERGRAPH_PATH: resolve(base.SUPERGRAPH_PATH),
    /** `SUBGRAPH_<NAME>_URL` variable name to URL, for the variables that are set. */
    SUBGRAPH_URLS: Object.freeze(subgraphUrls),
    production: base.NODE_ENV === "production",
  });
}

export type Config = ReturnType<typeof readConfig>;
