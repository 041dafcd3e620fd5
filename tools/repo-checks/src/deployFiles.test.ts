import { existsSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { listWorkspaces, REPO_ROOT, runProcess } from "@supergraph/testing";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const read = (path: string) => readFileSync(join(REPO_ROOT, path), "utf8");

interface ComposeService {
  build: { context: string; dockerfile: string };
  environment?: Record<string, string>;
}
const compose = parse(read("docker-compose.yml")) as { services: Record<string, ComposeService> };
const workspaces = listWorkspaces();
const DOCKERFILES = ["subgraphs/users/Dockerfile", "subgraphs/products/Dockerfile", "router/Dockerfile"];

/** The workspaces a deployable's image builds and ships: its own, and the workspaces it depends on, transitively. */
function shippedWorkspaces(name: string): string[] {
  const byName = new Map(workspaces.map((workspace) => [workspace.name, workspace]));
  const shipped = new Set<string>();
  const visit = (packageName: string) => {
    const workspace = byName.get(packageName);
    if (!workspace || shipped.has(workspace.path)) return;
    shipped.add(workspace.path);
    for (const dependency of Object.keys(workspace.manifest.dependencies ?? {})) visit(dependency);
  };
  visit(name);
  return [...shipped].sort();
}

/** What `npm ls <package> --omit=dev -w <workspace>` finds: the production dependency paths to it (none: []). */
async function productionPathsTo(dependency: string, workspace: string): Promise<unknown[]> {
  const run = await runProcess("npm", ["ls", dependency, "--omit=dev", "--json", "-w", workspace], {
    cwd: REPO_ROOT,
    timeoutMs: 60_000,
  });
  const tree = JSON.parse(run.stdout || "{}") as { dependencies?: Record<string, unknown> };
  return Object.values(tree.dependencies ?? {});
}

describe("docker-compose.yml and the Dockerfiles stay in step with the repository", () => {
  it("has one service per deployable, each built from its own folder's Dockerfile", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["products", "router", "users"]);
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.build.context, name).toBe(".");
      expect(existsSync(join(REPO_ROOT, service.build.dockerfile)), service.build.dockerfile).toBe(true);
    }
  });

  it.each(DOCKERFILES)(
    "%s copies every workspace manifest (npm ci needs them all), ships only its own workspaces' build output, and starts it",
    (dockerfile) => {
      const text = read(dockerfile);
      const manifests = [...text.matchAll(/^COPY ([\w/-]+)\/package\.json \1\/$/gm)].map((match) => match[1]).sort();
      expect(manifests).toEqual(workspaces.map(({ path }) => path).sort());
      const folder = dockerfile.replace(/\/Dockerfile$/, "");
      const own = workspaces.find((workspace) => workspace.path === folder);
      if (!own) throw new Error(`no workspace at ${folder}`);
      const shipped = shippedWorkspaces(own.name);
      const copiedFromBuild = [...text.matchAll(/^COPY --from=build \/app\/([\w/-]+)\/dist /gm)]
        .map((m) => m[1])
        .sort();
      expect(copiedFromBuild).toEqual(shipped);
      expect(shipped.some((path) => path.startsWith("internal/") || path.startsWith("tools/"))).toBe(false);
      expect(text).toContain(`npm ci --omit=dev --no-audit --no-fund`);
      expect(text).toContain(`--workspace ${own.name}`);
      expect(text).toContain(`CMD ["node", "${folder}/dist/index.js"]`);
      expect(text).toMatch(/HEALTHCHECK[\s\S]*\/health/);
    },
  );

  it("points the router at every subgraph of supergraph.yaml by service name", () => {
    const subgraphs = Object.keys((parse(read("supergraph.yaml")) as { subgraphs: Record<string, unknown> }).subgraphs);
    const env = compose.services.router?.environment ?? {};
    for (const name of subgraphs) {
      expect(env[`SUBGRAPH_${name.toUpperCase()}_URL`], name).toMatch(new RegExp(`^http://${name}:\\d+/graphql$`));
      expect(compose.services[name], name).toBeDefined();
    }
  });
});

describe("the router's image", () => {
  it("ships every trusted-documents manifest router.yaml lists, at the path router.yaml resolves it to", () => {
    // The image keeps the repository's layout under /app, so a path relative to router.yaml holds in both.
    const routerYaml = (parse(read("router/router.yaml")) ?? {}) as { trustedDocuments?: { manifests?: string[] } };
    const manifests = routerYaml.trustedDocuments?.manifests ?? ["../client/persisted-documents.json"];
    const dockerfile = read("router/Dockerfile");
    for (const manifest of manifests) {
      const path = posix.normalize(posix.join("router", manifest));
      expect(existsSync(join(REPO_ROOT, path)), path).toBe(true);
      expect(dockerfile, path).toContain(`\nCOPY ${path} ${posix.dirname(path)}/\n`);
    }
  });

  it("ships no database driver: better-sqlite3 is not among the router's production dependencies (it is the subgraphs')", async () => {
    expect(await productionPathsTo("better-sqlite3", "@supergraph/router")).toEqual([]);
    expect(await productionPathsTo("better-sqlite3", "@supergraph/users")).not.toEqual([]);
    expect(shippedWorkspaces("@supergraph/router")).not.toContain("packages/subgraph-kit");
  });
});
