/** `supergraph.yaml`, rover's composition config: read, validated, paths resolved. */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

/** `supergraph.yaml` cannot be used: unreadable, not YAML, wrong shape, or a schema file is missing. */
export class SupergraphConfigError extends Error {
  override readonly name = "SupergraphConfigError";
}

export interface SubgraphConfig {
  name: string;
  /** Where the router sends this subgraph's requests (`routing_url`). */
  routingUrl: string;
  /** Absolute path of the subgraph's SDL (`schema.file`, relative to the config file). */
  schemaFile: string;
}

export interface SupergraphConfig {
  /** Absolute path of the config file. */
  path: string;
  /** `federation_version` as written, e.g. `=2.14.4`; undefined when absent. */
  federationVersion: string | undefined;
  subgraphs: SubgraphConfig[];
}

/** The rover config shape this project uses: every subgraph's schema comes from a local file. */
const configSchema = z.object({
  federation_version: z
    .string()
    .regex(/^=?\d+(\.\d+){0,2}$/, 'expected a version such as "=2.14.4" (exact) or "2" (major)')
    .optional(),
  subgraphs: z.record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, "subgraph names are letters, digits, _ and -"),
    z.object({
      routing_url: z.url({
        protocol: /^https?$/,
        error: "expected an http(s) URL such as http://localhost:4001/graphql",
      }),
      schema: z.object(
        {
          file: z.string({ error: "expected schema.file: a path to the subgraph's SDL, relative to this file" }).min(1),
        },
        { error: "expected schema: { file: ./path/to/schema.graphql }" },
      ),
    }),
    { error: "expected subgraphs: a map of subgraph name to { routing_url, schema: { file } }" },
  ),
});

const requireHere = createRequire(import.meta.url);

/** Version of the installed @apollo/composition, e.g. `2.14.4`. */
export function compositionVersion(): string {
  return (requireHere("@apollo/composition/package.json") as { version: string }).version;
}

/** Rejects a `federation_version` that the installed @apollo/composition does not satisfy. */
function checkFederationVersion(wanted: string, path: string): void {
  const installed = compositionVersion();
  const exact = wanted.startsWith("=");
  const parts = wanted.replace(/^=/, "").split(".");
  const installedParts = installed.split(".");
  const matches = exact
    ? parts.length === 3 && parts.join(".") === installed
    : parts.every((part, index) => part === installedParts[index]);
  if (!matches) {
    throw new SupergraphConfigError(
      `${path}: federation_version ${wanted} does not match the installed @apollo/composition ${installed}. ` +
        `Pin federation_version: =${installed}, or install the matching @apollo/composition.`,
    );
  }
}

/** Reads and validates a rover-style `supergraph.yaml`. Paths in it are resolved relative to the file. */
export async function loadSupergraphConfig(configPath: string): Promise<SupergraphConfig> {
  const path = resolve(configPath);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new SupergraphConfigError(`Cannot read ${path}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new SupergraphConfigError(`${path} is not valid YAML: ${(error as Error).message}`);
  }
  const parsed = configSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
    throw new SupergraphConfigError(`${path} is not a valid supergraph config:\n  ${problems.join("\n  ")}`);
  }
  const { federation_version: federationVersion, subgraphs } = parsed.data;
  if (Object.keys(subgraphs).length === 0) {
    throw new SupergraphConfigError(`${path}: subgraphs is empty; list at least one subgraph.`);
  }
  if (federationVersion !== undefined) checkFederationVersion(federationVersion, path);
  return {
    path,
    federationVersion,
    subgraphs: Object.entries(subgraphs).map(([name, subgraph]) => ({
      name,
      routingUrl: subgraph.routing_url,
      schemaFile: resolve(dirname(path), subgraph.schema.file),
    })),
  };
}
