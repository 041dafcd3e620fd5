/**
 * For the schema checks' own tests: a temporary copy of the parts of this repository the checks
 * read (its own git repository, committed on main as the base), to edit and check.
 */
import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { REPO_ROOT, TemporaryProject } from "@supergraph/testing";
import { PERSISTED_DOCUMENTS } from "./clientOperations.js";
import { apiSchemaFileContent, composeFromConfig, formatProblem, supergraphFileContent } from "./compose.js";
import type { CheckId, CheckResult, Report } from "./report.js";
import { type CheckOptions, runChecks } from "./runChecks.js";
import { loadSupergraphConfig } from "./supergraphConfig.js";
import { CODEGEN_CONFIGS, codegenWorkspaces } from "./workspaces.js";

/** What the checks read at the root, and in each subgraph's and codegen workspace's folder. */
const ROOT_FILES = [
  "package.json",
  "supergraph.yaml",
  "supergraph.graphql",
  "api-schema.graphql",
  "schema-changes.yaml",
];
const WORKSPACE_FILES = [
  "package.json",
  "schema.graphql",
  ...CODEGEN_CONFIGS,
  "src",
  "operations",
  // The typed client's codegen plugin (its codegen.ts imports it) and the manifest it writes.
  "codegen",
  PERSISTED_DOCUMENTS,
];

/** The repository's files the checks read: found from supergraph.yaml and the workspaces' codegen configs, not listed by hand. */
async function filesTheChecksRead(): Promise<string[]> {
  const config = await loadSupergraphConfig(join(REPO_ROOT, "supergraph.yaml"));
  const folders = new Set([
    ...config.subgraphs.map((subgraph) => dirname(subgraph.schemaFile)),
    ...(await codegenWorkspaces(REPO_ROOT)).map((workspace) => workspace.dir),
  ]);
  const inFolders = [...folders].flatMap((folder) =>
    WORKSPACE_FILES.map((file) => join(folder, file)).filter((path) => existsSync(path)),
  );
  return [...ROOT_FILES, ...inFolders.map((path) => relative(REPO_ROOT, path))];
}

/**
 * A fresh copy of the repository (committed on `main` as the base unless `git: false`); `await using`
 * removes it. Its schema-changes.yaml starts empty: the copy is its own base, so every entry the
 * repository holds would be stale there (their changes are already in the base).
 */
export async function copyRepository({ git = true }: { git?: boolean } = {}): Promise<TemporaryProject> {
  const project = TemporaryProject.create({ from: REPO_ROOT, paths: await filesTheChecksRead(), git: false });
  project.write("schema-changes.yaml", "accepted: []\n");
  if (git) {
    project.git("init", "--quiet", "--initial-branch=main");
    project.commit("base");
  }
  return project;
}

/** Rewrites the copy's supergraph.graphql and api-schema.graphql, as `npm run compose` does; throws if composition fails. */
export async function recompose(project: TemporaryProject): Promise<void> {
  const outcome = await composeFromConfig(project.path("supergraph.yaml"));
  if (!outcome.ok) throw new Error(`composition failed:\n${outcome.errors.map(formatProblem).join("\n")}`);
  project.write("supergraph.graphql", supergraphFileContent(outcome.supergraphSdl));
  project.write("api-schema.graphql", apiSchemaFileContent(outcome.apiSchemaSdl));
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
export const USER_EMAIL =
  '  """\n  Unique email address, stored in lower case. Private: only the user themselves and admins see it;\n  null for everyone else (anonymous callers included). A response holding it is cached only for\n  the caller it was made for.\n  """\n  email: String @cacheControl(scope: PRIVATE)\n';
