import { fileURLToPath } from "node:url";
import { runNode, type TemporaryProject } from "@supergraph/testing";
import { describe, expect, it } from "vitest";
import { type Finding, formatReport, type Report } from "./report.js";
import { checkOf, checkProject, copyRepository, recompose, USER_EMAIL } from "./testing.js";

/** The tool's command, as `npm run check` runs it. */
const checkBin = fileURLToPath(new URL("../bin/supergraph-check.mjs", import.meta.url));

/** A copy of the repository with a branch `remove-email` that removes User.email (and recomposes). */
async function removeEmailOnABranch(): Promise<TemporaryProject> {
  const project = await copyRepository();
  project.git("checkout", "--quiet", "-b", "remove-email");
  project.edit("subgraphs/users/schema.graphql", USER_EMAIL, "");
  await recompose(project);
  project.commit("Remove User.email");
  return project;
}

/** The client operations that select User.email, directly or through a fragment. */
const SELECTING_EMAIL = ["Users", "User", "CreateUser", "UpdateUser", "DeleteUser", "Product"];

describe("npm run check (supergraph-check) on a temporary copy of the repository", () => {
  it("exits 1 with --json when a branch removes User.email: the breaking change, the entry that would accept it and each operation that selects it", async () => {
    await using project = await removeEmailOnABranch();
    const run = await runNode([checkBin, "--root", project.root, "--json"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.ok).toBe(false);
    expect(report.base).toEqual({
      commit: project.git("rev-parse", "main").trim(),
      description: "merge-base of HEAD and main",
    });
    expect(Object.fromEntries(report.checks.map((check) => [check.id, check.status]))).toEqual({
      composition: "pass",
      drift: "fail", // the client's codegen rejects its operations, the users resolver types are stale
      "breaking-changes": "fail",
      operations: "fail",
      "query-plans": "pass",
    });
    expect(checkOf(report, "breaking-changes").findings).toEqual([
      expect.objectContaining({
        level: "error",
        code: "FIELD_REMOVED",
        fields: ["User.email"],
        fix: expect.stringContaining('- change: "FIELD_REMOVED User.email"\n  reason: '),
      }),
    ]);
    const broken = checkOf(report, "operations").findings.filter((f: Finding) => f.code === "OPERATION_BROKEN");
    expect(broken.map((finding) => finding.message.split(" ")[0]).sort()).toEqual([...SELECTING_EMAIL].sort());
    for (const finding of broken)
      expect(finding.message).toContain('would break: Cannot query field "email" on type "User"');
  });
});

describe("the text report", () => {
  it("gives one line per check, then each error with its fix, and the verdict", async () => {
    await using project = await removeEmailOnABranch();
    const text = formatReport(await checkProject(project.root));
    expect(text).toMatch(/^Base: [0-9a-f]{12} \(merge-base of HEAD and main\)$/m);
    expect(text).toMatch(/^PASS {2}composition +users, products compose \(0 hints\)$/m);
    expect(text).toMatch(/^FAIL {2}breaking-changes +1 change since the base: 1 breaking \(1 unacknowledged\)/m);
    expect(text).toMatch(
      /^ {6}error \[FIELD_REMOVED\] Field 'email' was removed from object type 'User': breaking, used by 6 client operations \(fields: User\.email\)$/m,
    );
    expect(text).toContain('          - change: "FIELD_REMOVED User.email"\n            reason: "');
    expect(text).toMatch(/^FAIL {2}operations +6 of \d+ operations of @supergraph\/client would break/m);
    for (const name of SELECTING_EMAIL) {
      expect(text).toMatch(
        new RegExp(
          `^ {6}error \\[OPERATION_BROKEN\\] ${name} \\(@supergraph/client, client/operations/\\w+\\.graphql:\\d+\\) would break: Cannot query field "email" on type "User"\\. \\(client/operations/\\w+\\.graphql:\\d+\\)$`,
          "m",
        ),
      );
    }
    expect(text).toMatch(/^FAILED: 2 failed, 0 warned, 3 passed/m);
  });
});
