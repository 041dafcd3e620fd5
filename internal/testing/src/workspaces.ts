import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository this kit belongs to. */
export const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** A file of the repository as text, by its path from the root (e.g. `router/router.yaml`). */
export const readRepoFile = (path: string): string => readFileSync(join(REPO_ROOT, path), "utf8");

/** The fields of a package.json the repository's tools read. */
export interface PackageManifest {
  name: string;
  private?: boolean;
  main?: string;
  bin?: Record<string, string>;
  exports?: Record<string, unknown>;
  workspaces?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

export interface Workspace {
  name: string;
  /** Its folder, relative to the root (`packages/service-kit`). */
  path: string;
  /** Its folder, absolute. */
  dir: string;
  manifest: PackageManifest;
}

export const readManifest = (dir: string) =>
  JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageManifest;

/** The workspaces of the root package.json (`dir` or `dir/*` entries), in its order, each with its manifest. */
export function listWorkspaces(root = REPO_ROOT): Workspace[] {
  const paths = (readManifest(root).workspaces ?? []).flatMap((pattern) => {
    if (!pattern.endsWith("/*")) return [pattern];
    const parent = pattern.slice(0, -2);
    const entries = existsSync(join(root, parent)) ? readdirSync(join(root, parent), { withFileTypes: true }) : [];
    return entries.filter((entry) => entry.isDirectory()).map((entry) => `${parent}/${entry.name}`);
  });
  return paths
    .filter((path) => existsSync(join(root, path, "package.json")))
    .map((path) => {
      const dir = join(root, path);
      const manifest = readManifest(dir);
      return { name: manifest.name, path, dir, manifest };
    });
}
