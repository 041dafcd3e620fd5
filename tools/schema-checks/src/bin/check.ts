/**
 * Schema governance, offline: composition, drift, breaking changes, client operations and query plans.
 * Exits 1 when any check fails. See docs/schema-checks.md.
 *
 *   supergraph-check [--base <git-ref>] [--json] [--verbose] [--root <dir>]      (npm run check)
 *
 * Default root: the current folder. Default base: the merge-base of HEAD and origin/main (else main).
 * `--json` prints the report for machines.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { formatReport } from "../report.js";
import { runChecks } from "../runChecks.js";
import { runCommand } from "./runCommand.js";

const USAGE = "Usage: npm run check -- [--base <git-ref>] [--json] [--verbose] [--root <dir>]";

async function main(): Promise<number> {
  let values: { base?: string; json?: boolean; verbose?: boolean; root?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        base: { type: "string" },
        json: { type: "boolean" },
        verbose: { type: "boolean", short: "v" },
        root: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    console.error(`error ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const report = await runChecks({ root: resolve(values.root ?? "."), base: values.base });
  console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report, { verbose: values.verbose }));
  return report.ok ? 0 : 1;
}

runCommand("check", main);
