import { dirname, join, normalize, sep } from "node:path";
import type { SourceFile } from "./sourceFiles.js";

/** True when `before` (the start of a line) leaves an open string: an odd count of one kind of quote. */
const insideString = (before: string) => [`"`, `'`, "`"].some((quote) => before.split(quote).length % 2 === 0);

/**
 * Module specifiers of a file's imports and re-exports: `import … from "x"` and `export … from "x"`
 * statements (at the start of a line, spanning lines), `import "x"`, and `import("x")` outside strings.
 */
export function importSpecifiers(text: string): string[] {
  const statements = [/^\s*(?:import|export)\b[^"'`;]*?\bfrom\s+["']([^"']+)["']/gm, /^\s*import\s+["']([^"']+)["']/gm];
  const found = statements.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[1] ?? ""));
  for (const line of text.split("\n")) {
    for (const match of line.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) {
      if (!insideString(line.slice(0, match.index))) found.push(match[1] ?? "");
    }
  }
  return found;
}

/** An import that reaches into another workspace by path instead of by its package name. */
export interface BoundaryCrossing {
  file: string;
  specifier: string;
  /** The workspace folder it reaches into, or "" for the repository root outside any workspace. */
  into: string;
}

/** The workspace folder (relative) that holds `path`, or "" when none does (root files: e2e, scripts). */
function workspaceOf(path: string, workspaces: readonly string[]): string {
  return workspaces.find((workspace) => path === workspace || path.startsWith(`${workspace}${sep}`)) ?? "";
}

/**
 * Relative imports that leave the importing file's workspace (or, from a root file, enter a
 * workspace). Workspaces meet only through package names and `exports` maps; a path hides the
 * dependency from package.json and reaches code the other package does not export.
 */
export function boundaryCrossings(files: readonly SourceFile[], workspaces: readonly string[]): BoundaryCrossing[] {
  const crossings: BoundaryCrossing[] = [];
  for (const file of files) {
    const own = workspaceOf(file.path, workspaces);
    for (const specifier of importSpecifiers(file.text)) {
      if (!specifier.startsWith(".")) continue;
      const target = normalize(join(dirname(file.path), specifier));
      if (target.startsWith("..")) {
        crossings.push({ file: file.path, specifier, into: "(outside the repository)" });
        continue;
      }
      const into = workspaceOf(target, workspaces);
      if (into !== own) crossings.push({ file: file.path, specifier, into: into || "(the repository root)" });
    }
  }
  return crossings;
}

/** `file: "specifier" reaches into <workspace>` lines, for a failure message. */
export const describeCrossings = (crossings: readonly BoundaryCrossing[]) =>
  crossings.map(({ file, specifier, into }) => `${file}: "${specifier}" reaches into ${into}`);
