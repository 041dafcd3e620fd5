import { DEFAULT_SIGNATURE_MAX_AGE_MS, DEVELOPMENT_SECRETS, productionSecretProblem } from "@supergraph/auth";
import {
  ConfigError,
  collectProblems,
  env,
  loadConfig,
  readSecret,
  readTracingConfig,
  redactUrl,
} from "@supergraph/service-kit";
import { z } from "zod";
import { DEFAULT_GENERATED_DATASET, type GeneratedDataset, MAX_GENERATED_ROWS } from "./generatedDataset.js";
import { POSTGRES_URL } from "./postgres.js";

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
  /**
   * Benchmarks only (BENCHMARK_ACCEPT_UNSIGNED, refused in production): a POST carrying none of the
   * router's signature headers (neither the signature nor the identity header) is answered as an
   * anonymous caller, so a gateway that cannot sign may be raced against the router; a request
   * with either header is verified as always. Default: false.
   */
  readonly acceptUnsigned?: boolean;
}

/** The signing secret every subgraph reads: SUBGRAPH_SIGNING_SECRET, or the file SUBGRAPH_SIGNING_SECRET_FILE names. */
export const SIGNING_SECRET_VARIABLE = "SUBGRAPH_SIGNING_SECRET";

/** PostgreSQL's URL: DATABASE_URL, or the file DATABASE_URL_FILE names (it holds a password). Unset: SQLite. */
export const DATABASE_URL_VARIABLE = "DATABASE_URL";

/** The internal listener's port in production when INTERNAL_PORT is unset (the router's too; one per container). */
export const DEFAULT_INTERNAL_PORT = 4088;

/** Outside production, what `createServer` and the tests use when no secret is given: the router's development default. */
export const DEVELOPMENT_SIGNING: SigningSettings = Object.freeze({
  secret: DEVELOPMENT_SECRETS.signingSecret,
  maxAgeMs: DEFAULT_SIGNATURE_MAX_AGE_MS,
});

const blankAsUnset = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);

/** A whole number within bounds, `example` when unset; the messages name the unit. */
const wholeNumber = ({
  unit,
  example,
  min,
  max,
  why = "",
}: {
  unit: string;
  example: number;
  min: number;
  max?: number;
  why?: string;
}) => {
  const number = z.coerce
    .number({ error: `expected a number of ${unit} such as ${example}` })
    .int({ error: `expected a whole number of ${unit} such as ${example}` })
    .min(min, { error: `expected at least ${min}${why}` });
  return z.preprocess(
    blankAsUnset,
    (max === undefined ? number : number.max(max, { error: `expected at most ${max}` })).default(example),
  );
};

/** SEED_DATASET's values: `none` (unset) or `generated`. */
const seedDataset = z.preprocess(
  (value) => (typeof value === "string" ? value.trim().toLowerCase() || undefined : value),
  z
    .enum(["none", "generated"], {
      error: 'expected "generated" (insert the generated dataset at start) or "none" (the default)',
    })
    .default("none"),
);

/** The variables every subgraph reads, the secret aside (it is read with readSecret). */
const kitShape = (defaults: { port: number; databaseFile: string }) => ({
  PORT: env.port(defaults.port),
  HOST: env.string("127.0.0.1"),
  DATABASE_FILE: env.string(defaults.databaseFile),
  /** PostgreSQL's connection pool size (per process). */
  DATABASE_POOL_MAX: wholeNumber({ unit: "connections", example: 10, min: 1, max: 1000 }),
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
  SIGNATURE_MAX_AGE_MS: wholeNumber({
    unit: "milliseconds",
    example: DEFAULT_SIGNATURE_MAX_AGE_MS,
    min: 1000,
    why: " (ms): the router's clock and this one are never exactly alike",
  }),
  /** Benchmarks only: requests without the router's signature headers answered as anonymous. Refused in production. */
  BENCHMARK_ACCEPT_UNSIGNED: env.switch(false),
  /** `generated`: insert the generated dataset (GeneratedDataset) after the migrations, unless it is there already. */
  SEED_DATASET: seedDataset,
  SEED_USERS: wholeNumber({
    unit: "users",
    example: DEFAULT_GENERATED_DATASET.users,
    min: 1,
    max: MAX_GENERATED_ROWS,
  }),
  SEED_PRODUCTS: wholeNumber({
    unit: "products",
    example: DEFAULT_GENERATED_DATASET.products,
    min: 1,
    max: MAX_GENERATED_ROWS,
  }),
  SEED_RANDOM_SEED: z.preprocess(
    blankAsUnset,
    z.coerce
      .number({ error: "expected a whole number from 0 to 4294967295, such as 1" })
      .int({ error: "expected a whole number from 0 to 4294967295, such as 1" })
      .min(0, { error: "expected a whole number from 0 to 4294967295, such as 1" })
      .max(0xffff_ffff, { error: "expected a whole number from 0 to 4294967295, such as 1" })
      .default(DEFAULT_GENERATED_DATASET.randomSeed),
  ),
});

/** The signing settings with the secret kept out of JSON and logs (not enumerable). */
function signingSettings(secret: string, maxAgeMs: number, acceptUnsigned: boolean): SigningSettings {
  return Object.freeze(
    Object.defineProperty({ maxAgeMs, acceptUnsigned }, "secret", {
      value: secret,
      enumerable: false,
    }) as SigningSettings,
  );
}

/** Where a subgraph keeps its data (see `openDatabase`). */
export interface DatabaseSettings {
  /** A postgres:// URL, or undefined for SQLite. Not enumerable: it may hold a password. */
  readonly url: string | undefined;
  readonly filename: string;
  readonly poolMax: number;
}

function databaseSettings(url: string | undefined, filename: string, poolMax: number): DatabaseSettings {
  return Object.freeze(
    Object.defineProperty({ filename, poolMax }, "url", { value: url, enumerable: false }) as DatabaseSettings,
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
  const databaseUrl = collectProblems(() => readSecret(DATABASE_URL_VARIABLE, source), problems);
  if (databaseUrl !== undefined && !POSTGRES_URL.test(databaseUrl)) {
    problems.push(
      `${DATABASE_URL_VARIABLE}: expected a PostgreSQL URL such as postgres://user:password@localhost:5432/${defaults.name ?? "subgraph"}; got ${redactUrl(databaseUrl)} (unset it for SQLite at DATABASE_FILE)`,
    );
  } else if (databaseUrl !== undefined && new URL(databaseUrl).pathname.replace(/^\//, "") === "") {
    problems.push(
      `${DATABASE_URL_VARIABLE}: name the database, e.g. postgres://localhost:5432/${defaults.name ?? "subgraph"}`,
    );
  }
  const tracing = collectProblems(() => readTracingConfig(source, defaults.name ?? "subgraph"), problems);
  const production = (base?.NODE_ENV ?? source.NODE_ENV?.trim()) === "production";
  if (production && !problems.some((problem) => problem.startsWith(SIGNING_SECRET_VARIABLE))) {
    const problem = productionSecretProblem(SIGNING_SECRET_VARIABLE, secret, DEVELOPMENT_SECRETS.signingSecret);
    if (problem) problems.push(problem);
  }
  if (production && base?.PROTECTIONS === false) problems.push("PROTECTIONS: off is refused in production");
  if (production && base?.BENCHMARK_ACCEPT_UNSIGNED === true) {
    problems.push("BENCHMARK_ACCEPT_UNSIGNED: accepting unsigned requests is refused in production (benchmarks only)");
  }
  if (!base || !own || problems.length > 0) throw new ConfigError(problems);
  const {
    SIGNATURE_MAX_AGE_MS,
    PROTECTIONS,
    BENCHMARK_ACCEPT_UNSIGNED,
    SEED_DATASET,
    SEED_USERS,
    SEED_PRODUCTS,
    SEED_RANDOM_SEED,
    ...rest
  } = base;
  const generatedDataset: GeneratedDataset | undefined =
    SEED_DATASET === "generated"
      ? Object.freeze({ users: SEED_USERS, products: SEED_PRODUCTS, randomSeed: SEED_RANDOM_SEED })
      : undefined;
  return Object.freeze({
    ...rest,
    production,
    /** The internal listener (/metrics) when there is one: always in production, else only if INTERNAL_PORT is set. */
    internal:
      base.INTERNAL_PORT !== undefined || production
        ? { port: base.INTERNAL_PORT ?? DEFAULT_INTERNAL_PORT, host: base.INTERNAL_HOST ?? base.HOST }
        : undefined,
    /**
     * The database: PostgreSQL when DATABASE_URL (or _FILE) is set (the URL is not enumerable, so
     * never logged), else SQLite at DATABASE_FILE. DATABASE_POOL_MAX: PostgreSQL's pool size.
     */
    database: databaseSettings(databaseUrl, rest.DATABASE_FILE, rest.DATABASE_POOL_MAX),
    /**
     * The router's signature check: SUBGRAPH_SIGNING_SECRET (or _FILE), SIGNATURE_MAX_AGE_MS, and
     * BENCHMARK_ACCEPT_UNSIGNED (`acceptUnsigned`, never in production).
     */
    signing: signingSettings(
      secret ?? DEVELOPMENT_SECRETS.signingSecret,
      SIGNATURE_MAX_AGE_MS,
      BENCHMARK_ACCEPT_UNSIGNED,
    ),
    /** PROTECTIONS: false turns the signature check off (development only, to measure its cost). */
    protections: PROTECTIONS,
    /**
     * SEED_DATASET=generated: the dataset to insert after the migrations (SEED_USERS, SEED_PRODUCTS,
     * SEED_RANDOM_SEED); undefined: none.
     */
    generatedDataset,
    /** The subgraph's own variables, parsed. */
    settings: own as SettingsOf<S>,
    /** OpenTelemetry tracing from the OTEL_* variables (see the service kit's readTracingConfig); undefined: off. */
    tracing,
  });
}

export type SubgraphConfig = ReturnType<typeof readSubgraphConfig>;
