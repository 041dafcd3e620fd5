import { z } from "zod";

/** Raised when an environment variable is missing or invalid; the message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
}

/**
 * Parses environment variables once into a typed, frozen object.
 * Each key of `shape` is the variable's name; a bad or missing value throws a ConfigError naming it.
 */
export function loadConfig<S extends z.ZodRawShape>(
  shape: S,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<z.infer<z.ZodObject<S>>> {
  const result = z.object(shape).safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join(".") || "(env)"}: ${issue.message}`));
  }
  return Object.freeze(result.data);
}

/** Reusable variable parsers. Empty strings count as unset, so `FOO=` falls back to the default. */
const unsetIfEmpty = (value: unknown) => (value === "" ? undefined : value);

export const env = {
  port: (fallback: number) => z.preprocess(unsetIfEmpty, z.coerce.number().int().min(0).max(65535).default(fallback)),
  int: (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
    z.preprocess(unsetIfEmpty, z.coerce.number().int().min(min).max(max).default(fallback)),
  string: (fallback: string) => z.preprocess(unsetIfEmpty, z.string().min(1).default(fallback)),
  optionalString: () => z.preprocess(unsetIfEmpty, z.string().min(1).optional()),
  url: (fallback?: string) =>
    fallback === undefined
      ? z.preprocess(unsetIfEmpty, z.url({ protocol: /^https?$/ }).optional())
      : z.preprocess(unsetIfEmpty, z.url({ protocol: /^https?$/ }).default(fallback)),
  boolean: (fallback: boolean) =>
    z.preprocess(
      unsetIfEmpty,
      z
        .enum(["true", "false", "1", "0", "yes", "no"])
        .default(fallback ? "true" : "false")
        .transform((v) => v === "true" || v === "1" || v === "yes"),
    ),
  logLevel: () =>
    z.preprocess(unsetIfEmpty, z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info")),
  logFormat: () => z.preprocess(unsetIfEmpty, z.enum(["json", "pretty"]).default("json")),
  nodeEnv: () => z.preprocess(unsetIfEmpty, z.string().default("development")),
} as const;
