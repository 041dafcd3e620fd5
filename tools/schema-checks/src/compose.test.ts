import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runNode } from "@supergraph/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeFromConfig } from "./compose.js";
import { compositionVersion, SupergraphConfigError } from "./supergraphConfig.js";

const root = fileURLToPath(new URL("..", import.meta.url));
/** The tool's command, as `npm run compose` runs it. */
const composeBin = fileURLToPath(new URL("../bin/supergraph-compose.mjs", import.meta.url));

const header = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable"])\n';
const schemas = {
  stringHello: `${header}type Query { hello: String @shareable }\n`,
  intHello: `${header}type Query { hello: Int @shareable }\n`,
  /** The same field described two ways: composes, with an INCONSISTENT_DESCRIPTION hint. */
  describedHello: `${header}type Query {\n  "Greets."\n  hello: String @shareable\n}\n`,
  otherDescribedHello: `${header}type Query {\n  "Says hello."\n  hello: String @shareable\n}\n`,
  broken: `${header}type Query { hello: String\n`,
};

let dir: string;

/** Writes a project folder: supergraph.yaml (with `yaml` as its body) plus the given schema files. */
function project(name: string, files: Record<string, string>, yaml: string): string {
  const folder = join(dir, name);
  mkdirSync(join(folder, "schemas"), { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(folder, "schemas", file), text);
  writeFileSync(join(folder, "supergraph.yaml"), yaml);
  return join(folder, "supergraph.yaml");
}

const twoSubgraphs = (version = `=${compositionVersion()}`) => `federation_version: ${version}
subgraphs:
  a:
    routing_url: http://localhost:5001/graphql
    schema:
      file: ./schemas/a.graphql
  b:
    routing_url: http://localhost:5002/graphql
    schema:
      file: ./schemas/b.graphql
`;

function runCompose(...args: string[]) {
  return runNode([composeBin, ...args], { cwd: root });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "compose-test-"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("composeFromConfig", () => {
  it("returns the composition errors, with codes and subgraphs, when two subgraphs disagree on a field's type", async () => {
    const config = project(
      "mismatch",
      { "a.graphql": schemas.stringHello, "b.graphql": schemas.intHello },
      twoSubgraphs(),
    );
    const outcome = await composeFromConfig(config);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.errors).toContainEqual(
      expect.objectContaining({ code: "FIELD_TYPE_MISMATCH", subgraphs: expect.arrayContaining(["a", "b"]) }),
    );
    expect(outcome.errors[0]?.message).toContain("Query.hello");
  });

  it("returns the supergraph SDL, with the routing URLs, when the subgraphs compose", async () => {
    const config = project(
      "ok",
      { "a.graphql": schemas.otherDescribedHello, "b.graphql": schemas.describedHello },
      twoSubgraphs(),
    );
    const outcome = await composeFromConfig(config);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.supergraphSdl).toContain('@join__graph(name: "a", url: "http://localhost:5001/graphql")');
    expect(outcome.hints.map((hint) => hint.code)).toContain("INCONSISTENT_DESCRIPTION");
  });

  it("calls an enum unused only when no subgraph directive takes it (Apollo's CacheControlScope of @cacheControl)", async () => {
    const hinted = `${header}directive @cacheControl(maxAge: Int, scope: CacheControlScope) on FIELD_DEFINITION
enum CacheControlScope { PUBLIC PRIVATE }
enum Unused { A }
type Query { hello: String @shareable @cacheControl(maxAge: 30, scope: PUBLIC) }
`;
    const config = project("directive-enum", { "a.graphql": hinted, "b.graphql": schemas.stringHello }, twoSubgraphs());
    const outcome = await composeFromConfig(config);
    expect(outcome.ok).toBe(true);
    const unused = outcome.hints.filter((hint) => hint.code === "UNUSED_ENUM_TYPE");
    expect(unused.map((hint) => hint.message)).toEqual([expect.stringContaining('Enum type "Unused"')]);
  });

  it("reports a syntax error as INVALID_GRAPHQL with the file and position", async () => {
    const config = project("syntax", { "a.graphql": schemas.broken, "b.graphql": schemas.stringHello }, twoSubgraphs());
    const outcome = await composeFromConfig(config);
    expect(outcome).toMatchObject({ ok: false, errors: [{ code: "INVALID_GRAPHQL", subgraphs: ["a"] }] });
    expect(outcome.ok || outcome.errors[0]?.message).toMatch(/schemas\/a\.graphql:\d+:\d+: Syntax Error/);
  });

  it.each([
    [
      "a subgraph without routing_url",
      "subgraphs:\n  a:\n    schema:\n      file: ./schemas/a.graphql\n",
      /routing_url/,
    ],
    [
      "a schema given by URL",
      "subgraphs:\n  a:\n    routing_url: http://x/graphql\n    schema:\n      subgraph_url: http://x\n",
      /schema\.file/,
    ],
    ["no subgraphs", "federation_version: =2.14.4\n", /subgraphs/],
    ["a missing schema file", twoSubgraphs().replace("a.graphql", "missing.graphql"), /missing\.graphql/],
    ["another federation version", twoSubgraphs("=2.0.0"), /federation_version =2\.0\.0 does not match/],
  ])("rejects a config with %s, saying what is wrong", async (_case, yaml, message) => {
    const config = project(
      `invalid-${_case.replace(/\W+/g, "-")}`,
      { "a.graphql": schemas.stringHello, "b.graphql": schemas.stringHello },
      yaml,
    );
    const attempt = composeFromConfig(config);
    await expect(attempt).rejects.toThrow(SupergraphConfigError);
    await expect(attempt).rejects.toThrow(message);
  });
});

describe("npm run compose (supergraph-compose)", () => {
  it("exits 1, prints each error's code to stderr and writes nothing when composition fails", async () => {
    const config = project(
      "cli-mismatch",
      { "a.graphql": schemas.stringHello, "b.graphql": schemas.intHello },
      twoSubgraphs(),
    );
    const output = join(dir, "cli-mismatch", "out.graphql");
    const run = await runCompose("--config", config, "--output", output);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error \[FIELD_TYPE_MISMATCH\] .*Query\.hello.*\(subgraphs: a, b\)/);
    expect(existsSync(output)).toBe(false);
  });

  it("writes supergraph.graphql next to the config, printing hints as warnings", async () => {
    const config = project(
      "cli-ok",
      { "a.graphql": schemas.otherDescribedHello, "b.graphql": schemas.describedHello },
      twoSubgraphs(),
    );
    const run = await runCompose("--config", config);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("warning [INCONSISTENT_DESCRIPTION]");
    const written = readFileSync(join(dir, "cli-ok", "supergraph.graphql"), "utf8");
    expect(written).toContain("join__Graph");
    expect((await runCompose("--config", config)).stdout).toContain("is up to date");
  });

  it("exits 1 with the reason when the config is invalid", async () => {
    const config = project("cli-invalid", {}, "subgraphs: []\n");
    const run = await runCompose("--config", config);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("is not a valid supergraph config");
  });
});
