import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { listWorkspaces } from "@supergraph/testing/workspaces";
import { createJiti } from "jiti";
import { parse as parseYaml } from "yaml";

/** The names a workspace's GraphQL Code Generator config may have, in the order they are looked for. */
export const CODEGEN_CONFIGS = ["codegen.ts", "codegen.yml"] as const;

export interface CodegenWorkspace {
  /** Package name, e.g. `@supergraph/client`. */
  name: string;
  /** Absolute folder. */
  dir: string;
  /** Its config file's name (`codegen.ts` or `codegen.yml`). */
  configFile: (typeof CODEGEN_CONFIGS)[number];
  /** Its config, loaded. */
  codegen: { schema?: unknown; documents?: unknown; generates?: Record<string, unknown> };
}

/** Loads a codegen config as GraphQL Code Generator does: YAML, or TypeScript's default export (through jiti). */
async function loadCodegenConfig(path: string): Promise<CodegenWorkspace["codegen"]> {
  if (path.endsWith(".yml")) return (parseYaml(await readFile(path, "utf8")) ?? {}) as CodegenWorkspace["codegen"];
  const jiti = createJiti(import.meta.url);
  return ((await jiti.import(path, { default: true })) ?? {}) as CodegenWorkspace["codegen"];
}

/** The workspaces of `root`'s package.json that have a codegen config. */
export async function codegenWorkspaces(root: string): Promise<CodegenWorkspace[]> {
  const workspaces: CodegenWorkspace[] = [];
  for (const { name, dir } of listWorkspaces(root)) {
    const configFile = CODEGEN_CONFIGS.find((file) => existsSync(join(dir, file)));
    if (!configFile) continue;
    workspaces.push({ name, dir, configFile, codegen: await loadCodegenConfig(join(dir, configFile)) });
  }
  return workspaces;
}
