/**
 * Check 3: the API schema against the base. Breaking changes fail unless acknowledged in schema-changes.yaml;
 * dangerous changes warn; acknowledgements that match nothing warn.
 */
import { ACKNOWLEDGEMENTS_FILE, type Acknowledgement, acknowledgementEntry } from "../acknowledgements.js";
import { plural } from "../plural.js";
import { type CheckResult, checkResult, type Finding } from "../report.js";
import { type Comparison, usageText } from "../schemaDiff.js";

export function checkBreakingChanges(
  comparison: Comparison,
  acknowledgements: readonly Acknowledgement[] | Error,
): CheckResult {
  const title = "Breaking changes";
  const findings: Finding[] = [];
  if (acknowledgements instanceof Error) {
    findings.push({ level: "error", code: "ACKNOWLEDGEMENTS_INVALID", message: acknowledgements.message });
  }
  if (!comparison.available) {
    findings.push({ level: comparison.level, code: comparison.code, message: comparison.reason });
    return checkResult("breaking-changes", title, `not checked: ${comparison.reason}`, findings);
  }
  const accepted = new Map((acknowledgements instanceof Error ? [] : acknowledgements).map((a) => [a.change, a]));
  const matched = new Set<string>();
  let breaking = 0;
  let unacknowledged = 0;
  for (const change of comparison.changes) {
    const acknowledged = accepted.get(change.key);
    if (acknowledged) matched.add(change.key);
    const base = { code: change.type, fields: change.path ? [change.path] : [], operations: change.usedBy };
    if (change.criticality === "BREAKING") breaking += 1;
    if (acknowledged) {
      findings.push({
        ...base,
        level: "info",
        message: `${change.message} (${change.criticality.toLowerCase()}, acknowledged: ${acknowledged.reason})`,
      });
    } else if (change.criticality === "BREAKING") {
      unacknowledged += 1;
      findings.push({
        ...base,
        level: "error",
        message: `${change.message}: breaking, ${usageText(change)}`,
        fix: `if every client can live with it, add to ${ACKNOWLEDGEMENTS_FILE}:\n${acknowledgementEntry(change.key)}`,
      });
    } else if (change.criticality === "DANGEROUS") {
      findings.push({
        ...base,
        level: "warning",
        message: `${change.message}: dangerous, ${usageText(change)}${change.reason ? `. ${change.reason}` : ""}`,
      });
    } else {
      findings.push({ ...base, level: "info", message: change.message });
    }
  }
  for (const acknowledgement of accepted.values()) {
    if (matched.has(acknowledgement.change)) continue;
    findings.push({
      level: "warning",
      code: "ACKNOWLEDGEMENT_STALE",
      message: `${ACKNOWLEDGEMENTS_FILE}: "${acknowledgement.change}" matches no change since the base; remove it once its change is on main`,
    });
  }
  const dangerous = comparison.changes.filter((change) => change.criticality === "DANGEROUS").length;
  const safe = comparison.changes.length - breaking - dangerous;
  const summary =
    comparison.changes.length === 0
      ? "no API schema changes since the base"
      : `${plural(comparison.changes.length, "change")} since the base: ${breaking} breaking (${unacknowledged} unacknowledged), ${dangerous} dangerous, ${safe} safe`;
  return checkResult("breaking-changes", title, summary, findings);
}
