import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ConfigError } from "@supergraph/service-kit";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { resolveServerSettings, type ServerSettings, serverSectionSchema } from "./cluster/settings.js";
import { type DeduplicationSettings, deduplicationSchema, resolveDeduplication } from "./dedup/settings.js";
import { type SubgraphSection, subgraphSectionSchema } from "./fault/settings.js";
import { limitsSectionSchema, type OperationLimits, resolveLimits } from "./limits/settings.js";
import { type ResponseCacheSettings, resolveResponseCache, responseCacheSchema } from "./responseCache/settings.js";
import {
  authenticationSchema,
  corsSchema,
  rateLimitSchema,
  resolveSecuritySettings,
  type SecuritySettings,
  trustedProxiesSchema,
} from "./security/settings.js";
import {
  resolveTrustedDocumentsSettings,
  type TrustedDocumentsSettings,
  trustedDocumentsSchema,
} from "./trustedDocuments.js";

/**
 * router.yaml: the router's configuration file. Every key is optional (an empty or missing
 * default file means all defaults); unknown keys are refused, naming them. Any key can be
 * overridden by an environment variable `ROUTER_<PATH>`: the key path upper-cased, camelCase
 * words split by `_`, sections joined by `__` (e.g. `subgraphs.all.timeoutMs` is
 * `ROUTER_SUBGRAPHS__ALL__TIMEOUT_MS`; `urls` takes a comma-separated list). Variables without
 * `__` are not keys and are ignored.
 */
export const routerFileSchema = z.strictObject({
  /** How many processes serve: `workers` (see cluster/settings.ts). */
  server: serverSectionSchema.optional(),
  supergraph: z
    .strictObject({
      /** The supergraph to serve, relative to router.yaml's folder. Default: the repo's supergraph.graphql. `SUPERGRAPH_PATH` wins. */
      path: z.string().min(1).optional(),
      /** Reload the supergraph when its file changes. Default: true. */
      watch: z.boolean().optional(),
      /** How often the file is checked for changes. Default: 1000 ms. */
      pollIntervalMs: z.number().int().min(10).max(60_000).optional(),
    })
    .optional(),
  /** `all`: settings for every subgraph; `<name>`: settings for one subgraph (see fault/settings.ts). */
  subgraphs: z.record(z.string(), subgraphSectionSchema).optional(),
  /** How bearer tokens are checked (see security/settings.ts). */
  authentication: authenticationSchema.optional(),
  /** Requests per client per window. */
  rateLimit: rateLimitSchema.optional(),
  /** Browser origins allowed to call the router. */
  cors: corsSchema.optional(),
  /** Load balancers whose X-Forwarded-For is believed. */
  trustedProxies: trustedProxiesSchema.optional(),
  /** Limits on abusive operations: depth, aliases, root fields, directives, tokens, cost (see limits/settings.ts). */
  limits: limitsSectionSchema.optional(),
  /** Persisted-documents manifests, and whether only their operations run (see trustedDocuments.ts). */
  trustedDocuments: trustedDocumentsSchema.optional(),
  /** Identical in-flight client queries and subgraph fetches done once (see dedup/settings.ts). */
  deduplication: deduplicationSchema.optional(),
  /** Whole query responses kept in memory as the subgraphs' cache hints allow (see responseCache/settings.ts). */
  responseCache: responseCacheSchema.optional(),
});

export type RouterFile = z.infer<typeof routerFileSchema>;

export interface RouterFileConfig {
  /** The file read, or undefined when the default file does not exist. */
  path: string | undefined;
  /** Worker processes (`auto` resolved to this machine's cores). */
  server: ServerSettings;
  supergraph: { path: string | undefined; watch: boolean; pollIntervalMs: number };
  /** Sections by subgraph name as written (`all` included). */
  subgraphs: Readonly<Record<string, SubgraphSection>>;
  /** authentication, rateLimit, cors and trustedProxies, defaults filled in. */
  security: SecuritySettings;
  /** Limits on abusive operations, defaults filled in. */
  limits: OperationLimits;
  /** Manifest paths (absolute; default: the client's manifest if it exists) and enforce mode. */
  trustedDocuments: TrustedDocumentsSettings;
  /** Which identical in-flight work is done once, defaults filled in. */
  deduplication: DeduplicationSettings;
  /** The response cache (off by default), defaults filled in. */
  responseCache: ResponseCacheSettings;
}

const ENV_PREFIX = "ROUTER_";
/**
 * Only `ROUTER_<SECTION>__...` variables are keys (every key sits in a section). Others are left
 * alone: ROUTER_CONFIG_PATH names the file, and Kubernetes injects ROUTER_PORT, ROUTER_SERVICE_HOST,
 * ... into every pod when a Service is named "router".
 */
const isKeyVariable = (name: string) => name.startsWith(ENV_PREFIX) && name.includes("__");

const camel = (word: string) => word.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** `ROUTER_SUBGRAPHS__PRODUCTS__CIRCUIT_BREAKER__RESET_TIMEOUT_MS` -> `subgraphs.products.circuitBreaker.resetTimeoutMs`. */
export function envVariableToPath(variable: string): string[] {
  const segments = variable.slice(ENV_PREFIX.length).split("__");
  // Subgraph names are kept as written (lower-cased), not camel-cased.
  return segments.map((segment, index) =>
    index === 1 && segments[0] === "SUBGRAPHS" ? segment.toLowerCase() : camel(segment),
  );
}

/** Keys whose environment variable is a comma-separated list. */
const LIST_KEYS = new Set(["urls", "origins", "trustedProxies", "manifests"]);

function envValue(path: string[], raw: string): unknown {
  if (LIST_KEYS.has(path.at(-1) ?? "")) {
    return raw
      .split(",")
      .map((url) => url.trim())
      .filter(Boolean);
  }
  try {
    return parseYaml(raw);
  } catch {
    return raw;
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1) as string] = value;
}

/**
 * Reads router.yaml (if `explicit` is false, a missing file means defaults) and applies the
 * `ROUTER_*` environment overrides. A syntax error, a bad value or an unknown key is a
 * ConfigError naming the file and key, or the environment variable.
 */
export function readRouterFile(path: string, explicit: boolean, env: NodeJS.ProcessEnv): RouterFileConfig {
  let document: unknown = {};
  let found = true;
  if (!existsSync(path)) {
    if (explicit) throw new ConfigError([`ROUTER_CONFIG_PATH: ${path} does not exist`]);
    found = false;
  } else {
    try {
      document = parseYaml(readFileSync(path, "utf8")) ?? {};
    } catch (error) {
      throw new ConfigError([`${path}: ${(error as Error).message.split("\n")[0]}`]);
    }
    if (typeof document !== "object" || Array.isArray(document)) {
      throw new ConfigError([`${path}: expected a mapping of keys (supergraph, subgraphs)`]);
    }
  }

  // Overlay ROUTER_* variables, remembering which key each came from for error messages.
  const fromEnv = new Map<string, string>();
  const merged = structuredClone(document) as Record<string, unknown>;
  for (const variable of Object.keys(env).sort()) {
    const raw = env[variable];
    if (!isKeyVariable(variable) || raw === undefined || raw === "") continue;
    const keyPath = envVariableToPath(variable);
    setPath(merged, keyPath, envValue(keyPath, raw));
    fromEnv.set(keyPath.join("."), variable);
  }

  const result = routerFileSchema.safeParse(merged);
  if (!result.success) {
    const where = (keyPath: string) =>
      fromEnv.get(keyPath) ??
      [...fromEnv].find(([envPath]) => keyPath.startsWith(`${envPath}.`))?.[1] ??
      `${path}: ${keyPath || "(top level)"}`;
    throw new ConfigError(
      result.error.issues.flatMap((issue) => {
        const keyPath = issue.path.join(".");
        if (issue.code === "unrecognized_keys") {
          return issue.keys.map((key) => {
            const full = keyPath ? `${keyPath}.${key}` : key;
            return `${where(full)}: unknown key`;
          });
        }
        return [`${where(keyPath)}: ${issue.message}`];
      }),
    );
  }

  const file = result.data;
  const supergraphPath = file.supergraph?.path;
  return Object.freeze({
    path: found ? path : undefined,
    server: Object.freeze(resolveServerSettings(file.server)),
    supergraph: Object.freeze({
      path: supergraphPath === undefined ? undefined : resolve(dirname(path), supergraphPath),
      watch: file.supergraph?.watch ?? true,
      pollIntervalMs: file.supergraph?.pollIntervalMs ?? 1000,
    }),
    subgraphs: Object.freeze({ ...file.subgraphs }),
    security: resolveSecuritySettings(file),
    limits: resolveLimits(file.limits),
    trustedDocuments: resolveTrustedDocumentsSettings(file.trustedDocuments, dirname(path)),
    deduplication: resolveDeduplication(file.deduplication),
    responseCache: resolveResponseCache(file.responseCache),
  });
}
