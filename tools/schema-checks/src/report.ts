/** The shape of `npm run check`'s report (its `--json` output) and its text rendering. */

export type CheckId = "composition" | "drift" | "breaking-changes" | "operations" | "query-plans";
export type CheckStatus = "pass" | "warn" | "fail";
export type FindingLevel = "error" | "warning" | "info";

export interface Finding {
  /** `error` fails the check, `warning` makes it warn, `info` is detail (shown with --verbose). */
  level: FindingLevel;
  /** Stable code: a composition code (`FIELD_TYPE_MISMATCH`), a schema change type (`FIELD_REMOVED`) or this check's own. */
  code: string;
  message: string;
  subgraphs?: string[];
  /** Types involved, e.g. `User`. */
  types?: string[];
  /** Schema coordinates involved, e.g. `User.email` or `Query.users.first`. */
  fields?: string[];
  /** Client operations involved, as `Name (client, file:line)`. */
  operations?: string[];
  /** What to do about it, e.g. the acknowledgement entry to add. May span lines. */
  fix?: string;
}

export interface CheckResult {
  id: CheckId;
  title: string;
  status: CheckStatus;
  /** One line. */
  summary: string;
  findings: Finding[];
}

export interface BaseInfo {
  commit: string;
  /** How the base was chosen, e.g. `merge-base of HEAD and origin/main`. */
  description: string;
}

export interface Report {
  ok: boolean;
  root: string;
  base: BaseInfo | null;
  checks: CheckResult[];
}

/** A check's status follows from its findings: any error fails it, any warning makes it warn. */
export function checkResult(id: CheckId, title: string, summary: string, findings: Finding[]): CheckResult {
  const status = findings.some((finding) => finding.level === "error")
    ? "fail"
    : findings.some((finding) => finding.level === "warning")
      ? "warn"
      : "pass";
  return { id, title, status, summary, findings };
}

export function buildReport(root: string, base: BaseInfo | null, checks: CheckResult[]): Report {
  return { ok: checks.every((check) => check.status !== "fail"), root, base, checks };
}

const indent = (text: string, by: string) =>
  text
    .split("\n")
    .map((line) => by + line)
    .join("\n");

function formatFinding(finding: Finding): string {
  const involved = [
    finding.subgraphs?.length ? `subgraphs: ${finding.subgraphs.join(", ")}` : "",
    finding.types?.length ? `types: ${finding.types.join(", ")}` : "",
    finding.fields?.length ? `fields: ${finding.fields.join(", ")}` : "",
  ].filter(Boolean);
  let text = `${finding.level} [${finding.code}] ${finding.message}`;
  if (involved.length > 0) text += ` (${involved.join("; ")})`;
  const unnamed = finding.operations?.filter((label) => !finding.message.includes(label)) ?? [];
  if (unnamed.length > 0) text += `\n  operations: ${unnamed.join(", ")}`;
  if (finding.fix) text += `\n  fix:\n${indent(finding.fix, "    ")}`;
  return text;
}

/** One line for a check, then its errors and warnings (and details with `verbose`). */
export function formatCheck(check: CheckResult, { verbose = false, width = check.id.length } = {}): string {
  const lines = [`${check.status.toUpperCase().padEnd(4)}  ${check.id.padEnd(width)}  ${check.summary}`];
  for (const finding of check.findings) {
    if (finding.level === "info" && !verbose) continue;
    lines.push(indent(formatFinding(finding), "      "));
  }
  return lines.join("\n");
}

/** The human report: the base, one line per check with its findings, and the verdict. */
export function formatReport(report: Report, { verbose = false }: { verbose?: boolean } = {}): string {
  const width = Math.max(...report.checks.map((check) => check.id.length));
  const count = (status: CheckStatus) => report.checks.filter((check) => check.status === status).length;
  return [
    `Schema checks in ${report.root}`,
    report.base
      ? `Base: ${report.base.commit.slice(0, 12)} (${report.base.description})`
      : "Base: none (checks against a base were skipped)",
    "",
    ...report.checks.map((check) => formatCheck(check, { verbose, width })),
    "",
    `${report.ok ? "PASSED" : "FAILED"}: ${count("fail")} failed, ${count("warn")} warned, ${count("pass")} passed` +
      (verbose ? "" : " (--verbose for details, --json for machines)"),
  ].join("\n");
}
