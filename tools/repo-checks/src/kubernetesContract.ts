/**
 * What the repository says deploy/ must agree with: the images its Dockerfiles build, the subgraphs
 * of supergraph.yaml, router.yaml's keys, the environment variables each service's source reads,
 * and the production rules for secrets.
 */
import { join } from "node:path";
import { listWorkspaces, REPO_ROOT, readRepoFile } from "@supergraph/testing";
import { parse } from "yaml";
import { sourceFiles } from "./sourceFiles.js";

/** A deployable as its Dockerfile builds it: `docker build -f <folder>/Dockerfile -t <image> .` in its header. */
export const deployables = ["router/Dockerfile", "subgraphs/users/Dockerfile", "subgraphs/products/Dockerfile"].map(
  (dockerfile) => {
    const text = readRepoFile(dockerfile);
    const [, folder, image] = /docker build -f (\S+)\/Dockerfile -t ([\w-]+) \./.exec(text) ?? [];
    if (!folder || !image) throw new Error(`${dockerfile}: no "docker build -f ... -t <image> ." line`);
    const exposed = [...text.matchAll(/^EXPOSE (.+)$/gm)].flatMap((match) => match[1]?.split(/\s+/).map(Number));
    return { dockerfile, folder, image, text, exposed };
  },
);
export const subgraphNames = Object.keys(
  (parse(readRepoFile("supergraph.yaml")) as { subgraphs: Record<string, unknown> }).subgraphs,
);
export const routerYaml = parse(readRepoFile("router/router.yaml")) as Record<string, unknown>;
const workspaces = listWorkspaces();

/** Every UPPER_CASE name in the source of a deployable's workspace and the workspaces it depends on (tests aside). */
export function namesInSource(folder: string): Set<string> {
  const byName = new Map(workspaces.map((workspace) => [workspace.name, workspace]));
  const names = new Set<string>();
  const visited = new Set<string>();
  const visit = (workspace: (typeof workspaces)[number] | undefined) => {
    if (!workspace || visited.has(workspace.name)) return;
    visited.add(workspace.name);
    for (const file of sourceFiles(REPO_ROOT, join(workspace.dir, "src"))) {
      if (/\.(test|e2e)\.ts$/.test(file.path)) continue;
      for (const [name] of file.text.matchAll(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*\b/g)) names.add(name);
    }
    for (const dependency of Object.keys(workspace.manifest.dependencies ?? {})) visit(byName.get(dependency));
  };
  visit(workspaces.find((workspace) => workspace.path === folder));
  return names;
}

/** Read by Node.js itself, not by our code. */
const RUNTIME_VARIABLES = new Set(["NODE_OPTIONS", "NODE_EXTRA_CA_CERTS", "TZ"]);
const camel = (word: string) => word.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Keys router.yaml documents commented out, having no default value to show (e.g. `# path: /health`). */
const commentedKeys = new Set(
  [...readRepoFile("router/router.yaml").matchAll(/^\s*# (\w+): /gm)].map((match) => match[1]),
);

/**
 * A `ROUTER_<SECTION>__<KEY>` variable names a key router.yaml has (a subgraph's section has the
 * keys of `all`), set or, for its last key, commented out.
 */
function routerYamlHasKey(variable: string): boolean {
  const segments = variable.slice("ROUTER_".length).split("__");
  let node: unknown = routerYaml;
  for (const [index, segment] of segments.entries()) {
    let key = camel(segment);
    if (index === 1 && segments[0] === "SUBGRAPHS") {
      if (!["all", ...subgraphNames].includes(segment.toLowerCase())) return false;
      key = "all";
    }
    if (index === segments.length - 1 && commentedKeys.has(key) && typeof node === "object") return true;
    if (typeof node !== "object" || node === null || !(key in node)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

/** Why a variable set on a deployable's container is not one it reads, or undefined when it is. */
export function unknownVariable(name: string, deployable: (typeof deployables)[number], names: Set<string>) {
  if (names.has(name) || RUNTIME_VARIABLES.has(name)) return undefined;
  if (name.endsWith("_FILE") && names.has(name.slice(0, -"_FILE".length))) return undefined;
  if (deployable.folder === "router") {
    const subgraph = /^SUBGRAPH_([A-Z0-9_]+)_URL$/.exec(name)?.[1];
    if (subgraph !== undefined)
      return subgraphNames.includes(subgraph.toLowerCase()) ? undefined : `${name}: no such subgraph`;
    if (name.startsWith("ROUTER_") && name.includes("__")) {
      return routerYamlHasKey(name) ? undefined : `${name}: no such key in router/router.yaml`;
    }
  }
  return `${name}: ${deployable.folder} never reads it`;
}

/** The development secrets and the minimum length every service enforces in production (packages/auth). */
const auth = readRepoFile("packages/auth/src/tokens.ts");
export const MIN_SECRET_LENGTH = Number(/MIN_PRODUCTION_SECRET_LENGTH = (\d+)/.exec(auth)?.[1]);
export const DEVELOPMENT_SECRET_VALUES = [...auth.matchAll(/Secret: "([^"]+)"/g)].map((match) => match[1]);
