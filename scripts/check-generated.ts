/**
 * Fails (exit 1) when a committed generated file no longer matches its source:
 * - supergraph.graphql and api-schema.graphql, composed in memory from supergraph.yaml;
 * - every workspace's codegen output (workspaces with a codegen.yml), via `graphql-codegen --check`,
 *   which exits non-zero and lists stale files without writing them.
 *
 *   npm run check:generated
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import {
  apiSchemaFileContent,
  composeFromConfig,
  formatProblem,
  SupergraphConfigError,
  supergraphFileContent,
} from "./lib/composition.js";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Line endings may differ on checkout (git autocrlf); content may not. */
const normalize = (text: string) => text.replace(/\r\n/g, "\n");

async function checkSupergraph(): Promise<string[]> {
  let outcome: Awaited<ReturnType<typeof composeFromConfig>>;
  try {
    outcome = await composeFromConfig(join(root, "supergraph.yaml"));
  } catch (error) {
    if (error instanceof SupergraphConfigError) return [error.message];
    throw error;
  }
  if (!outcome.ok) {
    return [
      `The subgraphs do not compose (run npm run compose for details):\n  ${outcome.errors.map(formatProblem).join("\n  ")}`,
    ];
  }
  const expected = [
    { file: "supergraph.graphql", content: supergraphFileContent(outcome.supergraphSdl) },
    { file: "api-schema.graphql", content: apiSchemaFileContent(outcome.apiSchemaSdl) },
  ];
  const problems: string[] = [];
  for (const { file, content } of expected) {
    const committed = await readFile(join(root, file), "utf8").catch(() => undefined);
    if (committed === undefined) problems.push(`${file} is missing: run npm run compose`);
    else if (normalize(committed) !== normalize(content)) problems.push(`${file} is stale: run npm run compose`);
  }
  return problems;
}

interface Workspace {
  name: string;
  dir: string;
}

/** Workspaces from the root package.json (`dir` or `dir/*` entries) that have a codegen.yml. */
async function codegenWorkspaces(): Promise<Workspace[]> {
  const rootPackage = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { workspaces?: string[] };
  const dirs: string[] = [];
  for (const pattern of rootPackage.workspaces ?? []) {
    if (pattern.endsWith("/*")) {
      const parent = join(root, pattern.slice(0, -2));
      const entries = await readdir(parent, { withFileTypes: true }).catch(() => []);
      dirs.push(...entries.filter((entry) => entry.isDirectory()).map((entry) => join(parent, entry.name)));
    } else {
      dirs.push(join(root, pattern));
    }
  }
  const workspaces: Workspace[] = [];
  for (const dir of dirs) {
    if (!existsSync(join(dir, "codegen.yml")) || !existsSync(join(dir, "package.json"))) continue;
    const { name } = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as { name: string };
    workspaces.push({ name, dir });
  }
  return workspaces;
}

const codegenBin = join(
  dirname(createRequire(import.meta.url).resolve("@graphql-codegen/cli/package.json")),
  "esm",
  "bin.js",
);

function run(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code: code ?? 1, output }));
  });
}

async function checkCodegen({ name, dir }: Workspace): Promise<string[]> {
  const fix = `npm run codegen -w ${name}`;
  const { code, output } = await run([codegenBin, "--config", "codegen.yml", "--check"], dir);
  if (code === 0) return [];
  // codegen prints "The following stale files were detected:" then "  - <file>" lines.
  const stale = [...output.matchAll(/^[\s,]*- (\S.*)$/gm)].map((match) => match[1]?.trim() ?? "");
  if (output.includes("stale files were detected") && stale.length > 0) {
    return stale.map((file) => `${relative(root, join(dir, file))} is stale: run ${fix}`);
  }
  return [`graphql-codegen --check failed in ${relative(root, dir)} (run ${fix} to see why):\n${output.trim()}`];
}

async function main(): Promise<number> {
  const workspaces = await codegenWorkspaces();
  const results = await Promise.all([checkSupergraph(), ...workspaces.map(checkCodegen)]);
  const problems = results.flat();
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) return 1;
  const checked = [
    "supergraph.graphql",
    "api-schema.graphql",
    ...workspaces.map((workspace) => `${workspace.name} codegen`),
  ];
  console.log(`Generated files are up to date: ${checked.join(", ")}.`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error("check:generated failed:", error);
    process.exitCode = 1;
  },
);
