import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ScratchFiles {
  /** The folder the files are written to. */
  readonly dir: string;
  /** Writes `text` to a file of the folder, named `name` (default: a new `file-<n>.yaml`); returns its path. */
  file(text: string, name?: string): string;
  /** Deletes the folder and its files. */
  remove(): void;
}

/** A new temporary folder for a test's files (configuration files, secrets); `remove` it after the tests. */
export function scratchFiles(prefix: string): ScratchFiles {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  let count = 0;
  return {
    dir,
    file(text, name = `file-${++count}.yaml`) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
