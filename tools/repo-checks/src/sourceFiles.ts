import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** Folders that hold no source of ours: installed packages, build output, generated code, databases. */
const SKIPPED = new Set(["node_modules", "dist", "generated", "data", ".git", "coverage"]);
const SOURCE = /\.(ts|mts|js|mjs)$/;

/** A source file of the repository: its path relative to the root, and its text. */
export interface SourceFile {
  path: string;
  text: string;
}

/** Every TypeScript or JavaScript source file under `dir` (relative paths from `root`), generated code excluded. */
export function sourceFiles(root: string, dir = root): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIPPED.has(entry.name) && !entry.name.startsWith(".")) walk(join(folder, entry.name));
      } else if (SOURCE.test(entry.name) && !entry.name.endsWith(".d.ts")) {
        const path = join(folder, entry.name);
        files.push({ path: relative(root, path), text: readFileSync(path, "utf8") });
      }
    }
  };
  walk(dir);
  return files.sort((a, b) => a.path.localeCompare(b.path));
}
