import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runNode } from "@supergraph/testing";

const require = createRequire(import.meta.url);
/** jscpd's command (its package's `bin`). */
const jscpdBin = join(dirname(require.resolve("jscpd/package.json")), "run-jscpd.js");

/**
 * What counts as shared code: a block of at least 6 lines (and jscpd's default of 50 tokens), the
 * same lines or the same shape with other names (identifiers; literals still count).
 */
export const CLONE_RULE = { minLines: 6, minTokens: 50 } as const;

/** Not code a subgraph writes: generated files, its contract, its container recipe, build output and data. */
export const NOT_COMPARED = [
  "**/generated/**",
  "**/dist/**",
  "**/data/**",
  "**/node_modules/**",
  "**/*.graphql",
  "**/Dockerfile",
];

/** One block found in two places. */
export interface Clone {
  format: string;
  kind: string;
  lines: number;
  first: string;
  second: string;
}

/**
 * Blocks shared between `folders` (never within one folder): every file of theirs but the ones
 * NOT_COMPARED, compared with jscpd (Rabin-Karp over language-aware tokens, identifiers normalised).
 */
export async function sharedBlocks(folders: readonly string[]): Promise<Clone[]> {
  const output = mkdtempSync(join(tmpdir(), "jscpd-"));
  try {
    const args = [
      ...folders,
      ...["--min-lines", String(CLONE_RULE.minLines), "--min-tokens", String(CLONE_RULE.minTokens)],
      ...["--ignore-identifiers", "--skip-local", "--absolute", "--no-colors", "--ignore", NOT_COMPARED.join(",")],
      ...["--reporters", "json", "--output", output],
    ];
    const run = await runNode([jscpdBin, ...args], { timeoutMs: 60_000 });
    if (run.code !== 0) throw new Error(`jscpd failed (exit ${run.code}):\n${run.output}`);
    const report = JSON.parse(readFileSync(join(output, "jscpd-report.json"), "utf8")) as {
      duplicates: {
        format: string;
        kind?: string;
        lines: number;
        firstFile: { name: string; start: number; end: number };
        secondFile: { name: string; start: number; end: number };
      }[];
    };
    const where = (file: { name: string; start: number; end: number }) => `${file.name}:${file.start}-${file.end}`;
    return report.duplicates.map((clone) => ({
      format: clone.format,
      kind: clone.kind ?? "exact",
      lines: clone.lines,
      first: where(clone.firstFile),
      second: where(clone.secondFile),
    }));
  } finally {
    rmSync(output, { recursive: true, force: true });
  }
}
