/**
 * Check 2: nothing generated or declared has drifted from its source.
 * - supergraph.graphql and api-schema.graphql equal a fresh composition;
 * - each subgraph's code serves (`_service { sdl }`) the SDL of its schema.graphql;
 * - every workspace's codegen output is current (`graphql-codegen --check`).
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { runNode } from "@supergraph/testing/processes";
import { apiSchemaFileContent, type CompositionOutcome, supergraphFileContent } from "../compose.js";
import { plural } from "../plural.js";
import { type CheckResult, checkResult, type Finding } from "../report.js";
import { compareSubgraphSdl, exportsServer, fetchServedSdl, SERVER_EXPORT } from "../servedSdl.js";
import type { SupergraphConfig } from "../supergraphConfig.js";
import { type CodegenWorkspace, codegenWorkspaces } from "../workspaces.js";

export interface DriftOptions {
  root: string;
  config: SupergraphConfig;
  outcome: CompositionOutcome;
  /** Run `graphql-codegen --check` in every workspace with a codegen config. Default: true. */
  codegen?: boolean;
  /** Start each subgraph's code and compare the SDL it serves with its schema file. Default: true. */
  servedSdl?: boolean;
}

/** Line endings may differ on checkout (git autocrlf); content may not. */
const normalize = (text: string) => text.replace(/\r\n/g, "\n");

/** `line N: expected "…", found "…"` for the first line that differs. */
function firstDifference(expected: string, actual: string): string {
  const want = expected.split("\n");
  const got = actual.split("\n");
  const index = want.findIndex((line, i) => line !== got[i]);
  const at = index === -1 ? want.length : index;
  const show = (line: string | undefined) => (line === undefined ? "end of file" : JSON.stringify(line.trim()));
  return `first difference at line ${at + 1}: expected ${show(want[at])}, found ${show(got[at])}`;
}

async function checkArtifacts(root: string, outcome: CompositionOutcome): Promise<Finding[]> {
  if (!outcome.ok) {
    return [
      {
        level: "warning",
        code: "ARTIFACTS_NOT_CHECKED",
        message: "supergraph.graphql and api-schema.graphql were not compared: the subgraphs do not compose",
      },
    ];
  }
  const expected = [
    { file: "supergraph.graphql", code: "SUPERGRAPH", content: supergraphFileContent(outcome.supergraphSdl) },
    { file: "api-schema.graphql", code: "API_SCHEMA", content: apiSchemaFileContent(outcome.apiSchemaSdl) },
  ];
  const findings: Finding[] = [];
  for (const { file, code, content } of expected) {
    const committed = await readFile(join(root, file), "utf8").catch(() => undefined);
    if (committed === undefined) {
      findings.push({ level: "error", code: `${code}_MISSING`, message: `${file} is missing`, fix: "npm run compose" });
    } else if (normalize(committed) !== normalize(content)) {
      findings.push({
        level: "error",
        code: `${code}_STALE`,
        message: `${file} differs from a fresh composition of supergraph.yaml (${firstDifference(content, normalize(committed))})`,
        fix: "npm run compose (never edit it by hand)",
      });
    }
  }
  return findings;
}

async function checkServedSdl(root: string, config: SupergraphConfig): Promise<{ findings: Finding[]; count: number }> {
  const findings: Finding[] = [];
  const withCode = config.subgraphs.filter(({ name, schemaFile }) => {
    if (exportsServer(dirname(schemaFile))) return true;
    findings.push({
      level: "info",
      code: "SERVED_SDL_NOT_CHECKED",
      message: `${name}: the package next to ${relative(root, schemaFile)} does not export "${SERVER_EXPORT}", so its served SDL was not checked`,
      subgraphs: [name],
    });
    return false;
  });
  const served = await fetchServedSdl(withCode.map(({ name, schemaFile }) => ({ name, dir: dirname(schemaFile) })));
  for (const { name, schemaFile } of withCode) {
    const file = relative(root, schemaFile);
    const result = served.find((entry) => entry.name === name);
    if (!result || result.sdl === undefined) {
      findings.push({
        level: "error",
        code: "SERVED_SDL_UNAVAILABLE",
        message: `${name}: could not get the SDL its code serves: ${result?.error ?? "no answer"}`,
        subgraphs: [name],
      });
      continue;
    }
    try {
      const differences = await compareSubgraphSdl(name, await readFile(schemaFile, "utf8"), result.sdl);
      if (differences.length > 0) {
        findings.push({
          level: "error",
          code: "SERVED_SDL_DRIFT",
          message: `${name}: the code serves a schema that differs from its contract ${file}: ${differences.join("; ")}`,
          subgraphs: [name],
          fix: `make ${file} and the code agree: the code should build its schema from ${file} alone`,
        });
      }
    } catch (error) {
      findings.push({
        level: "error",
        code: "SERVED_SDL_UNAVAILABLE",
        message: `${name}: cannot compare ${file} with the served SDL: ${(error as Error).message}`,
        subgraphs: [name],
      });
    }
  }
  return { findings, count: withCode.length };
}

const require = createRequire(import.meta.url);
/** GraphQL Code Generator's command, run in each workspace as `npm run codegen` would. */
const codegenBin = join(dirname(require.resolve("@graphql-codegen/cli/package.json")), "esm", "bin.js");

/** Codegen's output without its progress lines (`❯ Load GraphQL schemas`, `✔ Generate outputs`). */
const withoutProgress = (output: string) =>
  output
    .split("\n")
    .filter((line) => !/^\s*[❯✔]/.test(line))
    .join("\n")
    .trim();

async function checkCodegen(root: string, { name, dir, configFile }: CodegenWorkspace): Promise<Finding[]> {
  const fix = `npm run codegen -w ${name}`;
  const { code, output } = await runNode([codegenBin, "--config", configFile, "--check"], { cwd: dir });
  if (code === 0) return [];
  // codegen prints "The following stale files were detected:" then "  - <file>" lines.
  const stale = [...output.matchAll(/^[\s,]*- (\S.*)$/gm)].map((match) => match[1]?.trim() ?? "");
  if (output.includes("stale files were detected") && stale.length > 0) {
    return stale.map((file) => ({
      level: "error" as const,
      code: "CODEGEN_STALE",
      message: `${relative(root, join(dir, file))} is stale`,
      fix,
    }));
  }
  return [
    {
      level: "error",
      code: "CODEGEN_FAILED",
      message: `graphql-codegen --check failed in ${relative(root, dir)}:\n${withoutProgress(output)}`,
      fix,
    },
  ];
}

export async function checkDrift({
  root,
  config,
  outcome,
  codegen = true,
  servedSdl = true,
}: DriftOptions): Promise<CheckResult> {
  const workspaces = codegen ? await codegenWorkspaces(root) : [];
  const [artifacts, served, ...codegenFindings] = await Promise.all([
    checkArtifacts(dirname(config.path), outcome),
    servedSdl ? checkServedSdl(root, config) : Promise.resolve({ findings: [], count: 0 }),
    ...workspaces.map((workspace) => checkCodegen(root, workspace)),
  ]);
  const findings = [...artifacts, ...served.findings, ...codegenFindings.flat()];
  const checked = [
    "supergraph.graphql",
    "api-schema.graphql",
    ...(servedSdl ? [plural(served.count, "served SDL")] : []),
    ...(codegen ? [plural(workspaces.length, "codegen output")] : []),
  ].join(", ");
  const errors = findings.filter((finding) => finding.level === "error").length;
  const summary = errors === 0 ? `current: ${checked}` : `${plural(errors, "problem")} (checked ${checked})`;
  return checkResult("drift", "Drift", summary, findings);
}
