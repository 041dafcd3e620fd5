import { DEFAULT_SIGNATURE_MAX_AGE_MS, DEVELOPMENT_SECRETS, productionSecretProblem } from "@supergraph/auth";
import { ConfigError, collectProblems, env, loadConfig, readSecret, readTracingConfig } from "@supergraph/service-kit";
import { z } from "zod";

/** A subgraph's own environment variables: a zod parser per variable name (see `defineSubgraph`'s `settings`). */
export type SettingsShape = z.ZodRawShape;

/** The parsed values of a subgraph's own variables. */
export type SettingsOf<S extends SettingsShape> = Readonly<z.infer<z.ZodObject<S>>>;

/** How a subgraph checks the router's signature on every GraphQL request. */
export interface SigningSettings {
  /** The HMAC key shared with the router. Never logged: not enumerable on the config object. */
  readonly secret: string;
  /** How far a signature's timestamp may be from this process's clock, either way. Default: DEFAULT_SIGNATURE_MAX_AGE_MS. */
  readonly maxAgeMs?: number;
}

/** The signing secret every subgraph reads: SUBGRAPH_SIGNING_SECRET, or the file SUBGRAPH_SIGNING_SECRET_FILE names. */
export const SIGNING_SECRET_VARIABLE = "SUBGRAPH_SIGNING_SECRET";

/** The internal listener's port in production when INTERNAL_PORT is unset (the router's too; one per container). */
export const DEFAULT_INTERNAL_PORT = 4088;

/** Outside production, what `createServer` and the tests use when no secret is given: the router's development default. */
export const DEVELOPMENT_SIGNING: SigningSettings = Object.freeze({
  secret: DEVELOPMENT_SECRETS.signingSecret,
  maxAgeMs: DEFAULT_SIGNATURE_MAX_AGE_MS,
});

const blankAsUnset = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);

/** The variables every subgraph reads, the secret aside (it is read with readSecret). */
const kitShape = (defaults: { port: number; databaseFile: string }) => ({
  PORT: env.port(defaults.port),
  HOST: env.string("127.0.0.1"),
  DATABASE_FILE: env.string(defaults.databaseFile),
  LOG_LEVEL: env.logLevel(),
  LOG_FORMAT: env.logFormat(),
  /** One log line per request (info); `off` only to measure what logging costs. */
  LOG_REQUESTS: env.switch(true),
  NODE_ENV: env.nodeEnv(),
  /** `off`: no signature check, every caller anonymous; only to measure what the checks cost. Refused in production. */
  PROTECTIONS: env.switch(true),
  /** Prometheus metrics at /metrics; `off` only to measure what they cost. */
  METRICS: env.switch(true),
  /** Where /metrics is served. Default: PORT outside production, 4088 in production. */
  INTERNAL_PORT: env.optionalPort(),
  INTERNAL_HOST: env.optionalString(),
  SIGNATURE_MAX_AGE_MS: z.preprocess(
    blankAsUnset,
    z.coerce
      .number({ error: "expected a number of milliseconds such as 60000" })
      .int({ error: "expected a whole number of milliseconds such as 60000" })
      .min(1000, { error: "expected at least 1000 (ms): the router's clock and this one are never exactly alike" })
      .default(DEFAULT_SIGNATURE_MAX_AGE_MS),
  ),
});

/** The signing settings with the secret kept out of JSON and logs (not enumerable). */
function signingSettings(secret: string, maxAgeMs: number): SigningSettings {
  return Object.freeze(
    Object.defineProperty({ maxAgeMs }, "secret", { value: secret, enumerable: false }) as SigningSettings,
  );
}

/**
 * The environment variables every subgraph reads (see packages/subgraph-kit/README.md), plus the
 * subgraph's own (`settings`, parsed together so one ConfigError names every bad variable). `defaults`
 * are the subgraph's own port and database file, and its name (the traces' default service name). In production (`NODE_ENV=production`) the signing
 * secret must be set, not the development one, and at least MIN_PRODUCTION_SECRET_LENGTH characters;
 * elsewhere it defaults to the development secret the router uses too.
 */
export function readSubgraphConfig<S extends SettingsShape = Record<never, never>>(
  defaults: { port: number; databaseFile: string; name?: string },
  source: NodeJS.ProcessEnv = process.env,
  settings?: S,
) {
  const problems: string[] = [];
  const base = collectProblems(() => loadConfig(kitShape(defaults), source), problems);
  const own = collectProblems(() => loadConfig(settings ?? ({} as S), source), problems);
  const secret = collectProblems(() => readSecret(SIGNING_SECRET_VARIABLE, source), problems);
  const tracing = collectProblems(() => readTracingConfig(source, defaults.name ?? "subgraph"), problems);
  const production = (base?.NODE_ENV ?? source.NODE_ENV?.trim()) === "production";
  if (production && !problems.some((problem) => problem.startsWith(SIGNING_SECRET_VARIABLE))) {
    const problem = productionSecretProblem(SIGNING_SECRET_VARIABLE, secret, DEVELOPMENT_SECRETS.signingSecret);
    if (problem) problems.push(problem);
  }
  if (production && base?.PROTECTIONS === false) problems.push("PROTECTIONS: off is refused in production");
  if (!base || !own || problems.length > 0) throw new ConfigError(problems);
  const { SIGNATURE_MAX_AGE_MS, PROTECTIONS, ...rest } = base;
  return Object.freeze({
    ...rest,
    production,
    /** The internal listener (/metrics) when there is one: always in production, else only if INTERNAL_PORT is set. */
    internal:
      base.INTERNAL_PORT !== undefined || production
        ? { port: base.INTERNAL_PORT ?? DEFAULT_INTERNAL_PORT, host: base.INTERNAL_HOST ?? base.HOST }
        : undefined,
    /** The router's signature check: SUBGRAPH_SIGNING_SECRET (or _FILE), SIGNATURE_MAX_AGE_MS. */
    signing: signingSettings(secret ?? DEVELOPMENT_SECRETS.signingSecret, SIGNATURE_MAX_AGE_MS),
    /** PROTECTIONS: false turns the signature check off (development only, to measure its cost). */
    protections: PROTECTIONS,
    /** The subgraph's own variables, parsed. */
    settings: own as SettingsOf<S>,
    /** OpenTelemetry tracing from the OTEL_* variables (see the service kit's readTracingConfig); undefined: off. */
    tracing,
  });
}

export type SubgraphConfig = ReturnType<typeof readSubgraphConfig>;
