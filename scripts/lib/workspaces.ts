import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";

export interface CodegenWorkspace {
  /** Package name, e.g. `@supergraph/client`. */
  name: string;
  /** Absolute folder. */
  dir: string;
  /** Its codegen.yml, parsed. */
  codegen: { schema?: unknown; documents?: unknown };
}

/** Workspaces listed in `root`'s package.json (`dir` or `dir/*` entries) that have a codegen.yml. */
export async function codegenWorkspaces(root: string): Promise<CodegenWorkspace[]> {
  const rootPackage = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { workspaces?: string[] };
  const dirs: string[] = [];
  for (const pattern of rootPackage.workspaces ?? []) {
    if (pattern.endsWith("/*")) {
      const parent = join(root, pattern.slice(0, -2));
      const entries = await readdir(parent, { withFileTypes: true }).catch(() => []);
      dirs.push(...entries.filter((entry) => entry.isDirectory()).map((entry) => join(parent, entry.name)));
    } else {
      dirs.push(join(root, pattern));
    }
  }
  const workspaces: CodegenWorkspace[] = [];
  for (const dir of dirs) {
    if (!existsSync(join(dir, "codegen.yml")) || !existsSync(join(dir, "package.json"))) continue;
    const { name } = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as { name: string };
    const codegen = (parseYaml(await readFile(join(dir, "codegen.yml"), "utf8")) ?? {}) as CodegenWorkspace["codegen"];
    workspaces.push({ name, dir, codegen });
  }
  return workspaces;
}
