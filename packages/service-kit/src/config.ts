import { readFileSync } from "node:fs";
import { z } from "zod";

/** Raised when an environment variable is missing or invalid; the message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
}

/**
 * Runs one parser, adding the problems of the ConfigError it throws to `problems` (undefined then),
 * so a service reports every bad variable at once. Other errors go through.
 */
export function collectProblems<T>(parse: () => T, problems: string[]): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
    return undefined;
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

/**
 * A secret from the environment: the variable `name`, or the file `name_FILE` names (Docker and
 * Kubernetes secrets mount files; one trailing newline is dropped). Unset or empty: undefined.
 * Both set, or an unreadable file, is a ConfigError naming the variable.
 */
export function readSecret(name: string, source: NodeJS.ProcessEnv = process.env): string | undefined {
  const direct = source[name]?.trim() ? source[name] : undefined;
  const file = source[`${name}_FILE`]?.trim() ? source[`${name}_FILE`] : undefined;
  if (direct !== undefined && file !== undefined) {
    throw new ConfigError([`${name} and ${name}_FILE: set one of them, not both`]);
  }
  if (file === undefined) return direct;
  try {
    const value = readFileSync(file, "utf8").replace(/\r?\n$/, "");
    return value === "" ? undefined : value;
  } catch (error) {
    throw new ConfigError([`${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? "error"})`]);
  }
}

/** A URL without its password, for logs and messages (a database's or Redis's URL may hold one). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.href;
  } catch {
    return "(not a URL)";
  }
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
  /** A port, or undefined when unset. */
  optionalPort: () => z.preprocess(unsetIfEmpty, z.coerce.number().int().min(0).max(65535).optional()),
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
