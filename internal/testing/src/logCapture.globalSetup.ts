/**
 * Vitest global setup: every child process a test starts leaves its output in one folder for the
 * run (LOG_DIR_VARIABLE), and at the end of the run the whole folder is scanned: a token, a
 * signature or a secret in any service's log fails the run (exit code 1), naming the file and line.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LOG_DIR_VARIABLE, scanLogDir } from "./logScan.js";

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), "supergraph-test-logs-"));
  process.env[LOG_DIR_VARIABLE] = dir;
  return () => {
    const { files, lines, leaks } = scanLogDir(dir);
    if (leaks.length > 0) {
      const report = leaks.map((leak) => `  ${leak.file}:${leak.line}: ${leak.what}: ${leak.excerpt}`).join("\n");
      // Vitest reports a teardown's exception but still exits 0: set the exit code ourselves.
      console.error(`log scan: secrets in the logs of this test run (kept in ${dir}):\n${report}`);
      process.exitCode = 1;
      return;
    }
    console.log(`log scan: ${lines} lines of ${files} processes' logs, no token, signature or secret`);
    rmSync(dir, { recursive: true, force: true });
  };
}
