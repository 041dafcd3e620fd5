import { describe, expect, it } from "vitest";
import { checkProject as check, copyRepository, checkOf as get, recompose, USER_EMAIL } from "./testing.js";

describe("the base the diff-based checks compare with", () => {
  it("warns and skips the comparison outside a git repository", async () => {
    await using project = await copyRepository({ git: false });
    const { root } = project;
    const report = await check(root);
    expect(report.ok).toBe(true);
    expect(report.base).toBeNull();
    expect(get(report, "breaking-changes")).toMatchObject({
      status: "warn",
      findings: [
        expect.objectContaining({
          code: "BASELINE_UNAVAILABLE",
          message: expect.stringContaining("not in a git repository"),
        }),
      ],
    });
    expect(get(report, "query-plans").status).toBe("warn");
  });

  it("fails with a clear message when --base names no commit", async () => {
    await using project = await copyRepository();
    const { root } = project;
    const report = await check(root, { base: "no-such-ref" });
    expect(report.ok).toBe(false);
    expect(get(report, "breaking-changes").findings).toEqual([
      expect.objectContaining({ level: "error", message: "--base no-such-ref is not a commit in this repository." }),
    ]);
  });

  it("compares with the merge-base of HEAD and main, or the commit --base names", async () => {
    await using project = await copyRepository();
    const { root } = project;
    const base = project.git("rev-parse", "HEAD").trim();
    project.git("checkout", "--quiet", "-b", "feature");
    project.edit("subgraphs/users/schema.graphql", USER_EMAIL, `${USER_EMAIL}  nickname: String\n`);
    await recompose(project);
    project.commit("Add nickname");
    project.git("checkout", "--quiet", "main");
    project.commit("Something else on main");
    project.git("checkout", "--quiet", "feature");

    const report = await check(root);
    expect(report.base).toEqual({ commit: base, description: "merge-base of HEAD and main" });
    expect(get(report, "breaking-changes").summary).toMatch(/^1 change since the base/);
    const againstHead = await check(root, { base: "HEAD" });
    expect(againstHead.base?.description).toBe("--base HEAD");
    expect(get(againstHead, "breaking-changes").summary).toBe("no API schema changes since the base");
  });

  it("warns when the base has no api-schema.graphql", async () => {
    await using project = await copyRepository({ git: false });
    const { root } = project;
    project.git("init", "--quiet", "--initial-branch=main");
    project.git("add", "--all", "--", ".", ":!api-schema.graphql");
    project.git("commit", "--quiet", "--message", "An older commit, before api-schema.graphql existed");
    const report = await check(root);
    expect(report.ok).toBe(true);
    expect(get(report, "breaking-changes").findings).toEqual([
      expect.objectContaining({ level: "warning", code: "BASE_API_SCHEMA_MISSING" }),
    ]);
  });
});
