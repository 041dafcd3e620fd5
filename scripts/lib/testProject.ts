/**
 * For tests: a temporary copy of the parts of this repository the schema checks read, in its own git
 * repository (branch main, one commit: the base), with node_modules linked to the real one so the
 * subgraphs' code runs from the copy.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";
import { apiSchemaFileContent, composeFromConfig, formatProblem, supergraphFileContent } from "./composition.js";
import type { CheckId, CheckResult, Report } from "./report.js";
import { type CheckOptions, runChecks } from "./runChecks.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

const COPIED = [
  "package.json",
  "supergraph.yaml",
  "supergraph.graphql",
  "api-schema.graphql",
  "schema-changes.yaml",
  ...["users", "products"].flatMap((name) =>
    ["package.json", "schema.graphql", "codegen.yml", "src"].map((file) => `subgraphs/${name}/${file}`),
  ),
  "client/package.json",
  "client/codegen.yml",
  "client/operations",
  "client/src/generated",
];

export class TestProject {
  private constructor(readonly root: string) {}

  /** Copies the repository's files; with `git`, commits them on `main` as the base. */
  static create({ git = true }: { git?: boolean } = {}): TestProject {
    const project = new TestProject(mkdtempSync(join(tmpdir(), "schema-check-")));
    for (const path of COPIED) cpSync(join(repoRoot, path), project.path(path), { recursive: true });
    symlinkSync(join(repoRoot, "node_modules"), project.path("node_modules"), "dir");
    project.write(".gitignore", "node_modules\n");
    if (git) {
      project.git("init", "--quiet", "--initial-branch=main");
      project.commit("base");
    }
    return project;
  }

  path(file: string): string {
    return join(this.root, file);
  }

  read(file: string): string {
    return readFileSync(this.path(file), "utf8");
  }

  write(file: string, text: string): void {
    mkdirSync(dirname(this.path(file)), { recursive: true });
    writeFileSync(this.path(file), text);
  }

  /** Replaces `from` with `to` in a file; throws if `from` is not there (so a fixture cannot silently rot). */
  edit(file: string, from: string, to: string): void {
    const text = this.read(file);
    if (!text.includes(from)) throw new Error(`${file} does not contain ${JSON.stringify(from)}`);
    this.write(file, text.replace(from, to));
  }

  /** Rewrites supergraph.graphql and api-schema.graphql, as `npm run compose` does; throws if composition fails. */
  async compose(): Promise<void> {
    const outcome = await composeFromConfig(this.path("supergraph.yaml"));
    if (!outcome.ok) throw new Error(`composition failed:\n${outcome.errors.map(formatProblem).join("\n")}`);
    this.write("supergraph.graphql", supergraphFileContent(outcome.supergraphSdl));
    this.write("api-schema.graphql", apiSchemaFileContent(outcome.apiSchemaSdl));
  }

  git(...args: string[]): string {
    return execFileSync(
      "git",
      ["-c", "user.name=Schema Check", "-c", "user.email=check@example.com", "-c", "commit.gpgsign=false", ...args],
      { cwd: this.root, encoding: "utf8" },
    );
  }

  commit(message: string): void {
    this.git("add", "--all");
    this.git("commit", "--quiet", "--allow-empty", "--message", message);
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Runs the checks in-process. Codegen and the subgraphs' code are left out unless a test asks (speed). */
export const checkProject = (root: string, options: Partial<CheckOptions> = {}): Promise<Report> =>
  runChecks({ root, codegen: false, servedSdl: false, ...options });

/** One check of a report, by id. */
export function checkOf(report: Report, id: CheckId): CheckResult {
  const result = report.checks.find((check) => check.id === id);
  if (!result) throw new Error(`no ${id} check in the report`);
  return result;
}

/** The users subgraph's `email` field as written in its schema.graphql, for fixtures that edit around it. */
export const USER_EMAIL = '  "Unique email address, stored in lower case."\n  email: String!\n';

/**
 * For a test file: returns `copy()`, which makes a fresh temporary copy of the repository (committed on
 * main as the base unless `git: false`); the copy is removed after each test.
 */
export function temporaryProjects(): (options?: { git?: boolean }) => TestProject {
  let project: TestProject | undefined;
  afterEach(() => {
    project?.remove();
    project = undefined;
  });
  return (options) => {
    project = TestProject.create(options);
    return project;
  };
}
