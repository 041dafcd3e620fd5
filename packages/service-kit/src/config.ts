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

/** Empty strings count as unset, so `FOO=` falls back to the default. */
const unsetIfEmpty = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);

const ON = ["on", "true", "1", "yes", "enabled"];
const OFF = ["off", "false", "0", "no", "disabled"];

const httpUrl = z.url({
  protocol: /^https?$/,
  error: "expected an http(s) URL such as http://localhost:4001/graphql, or a comma-separated list of them",
});

/** Reusable variable parsers. */
export const env = {
  port: (fallback: number) => z.preprocess(unsetIfEmpty, z.coerce.number().int().min(0).max(65535).default(fallback)),
  string: (fallback: string) => z.preprocess(unsetIfEmpty, z.string().min(1).default(fallback)),
  optionalString: () => z.preprocess(unsetIfEmpty, z.string().min(1).optional()),
  /** A switch: on/off, true/false, 1/0, yes/no, enabled/disabled, in any case. */
  switch: (fallback: boolean) =>
    z.preprocess(
      (value) => (typeof value === "string" ? unsetIfEmpty(value.trim().toLowerCase()) : value),
      z
        .enum([...ON, ...OFF] as [string, ...string[]], { error: `expected one of ${[...ON, ...OFF].join(", ")}` })
        .default(fallback ? "on" : "off")
        .transform((value) => ON.includes(value)),
    ),
  /** One http(s) URL, or a comma-separated list of them. Unset (or empty): undefined. */
  urlList: () =>
    z.preprocess(
      (value) =>
        typeof value === "string" && value.trim() !== ""
          ? value
              .split(",")
              .map((url) => url.trim())
              .filter(Boolean)
          : undefined,
      z.array(httpUrl).optional(),
    ),
  logLevel: () =>
    z.preprocess(unsetIfEmpty, z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info")),
  logFormat: () => z.preprocess(unsetIfEmpty, z.enum(["json", "pretty"]).default("json")),
  nodeEnv: () => z.preprocess(unsetIfEmpty, z.string().default("development")),
} as const;
