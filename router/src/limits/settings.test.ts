import { readFileSync } from "node:fs";
import { join } from "node:path";
import { configProblems, REPO_ROOT, scratchFiles } from "@supergraph/testing";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { readRouterFile } from "../routerFile.js";
import { LIMIT_DEFAULTS } from "./settings.js";

const scratch = scratchFiles("router-limits");
afterAll(() => scratch.remove());
const { dir } = scratch;
const file = (yaml: string) => scratch.file(yaml);
const problems = configProblems;

describe("router.yaml limits", () => {
  it("router/router.yaml spells out every limit at its built-in default", () => {
    const path = join(REPO_ROOT, "router", "router.yaml");
    const written = (parseYaml(readFileSync(path, "utf8")) as { limits: Record<string, number> }).limits;
    expect(written).toEqual(LIMIT_DEFAULTS);
    expect(readRouterFile(path, true, {}).limits).toEqual(LIMIT_DEFAULTS);
  });

  it("fills in the defaults for keys the file leaves out, and without a file", () => {
    expect(readRouterFile(file("limits:\n  maxDepth: 5\n  maxCost: 0\n"), true, {}).limits).toEqual({
      ...LIMIT_DEFAULTS,
      maxDepth: 5,
      maxCost: 0,
    });
    expect(readRouterFile(join(dir, "none.yaml"), false, {}).limits).toEqual(LIMIT_DEFAULTS);
  });

  it("takes ROUTER_LIMITS__* overrides over the file", () => {
    const path = file("limits:\n  maxDepth: 5\n");
    expect(
      readRouterFile(path, true, { ROUTER_LIMITS__MAX_DEPTH: "7", ROUTER_LIMITS__MAX_LIST_SIZE: "50" }).limits,
    ).toMatchObject({ maxDepth: 7, maxListSize: 50, maxAliases: LIMIT_DEFAULTS.maxAliases });
  });

  it("refuses unknown keys and bad values, naming the key or the variable", () => {
    const path = file("limits:\n  maxDepht: 5\n  maxAliases: -1\n  maxTokens: 1.5\n");
    expect(problems(() => readRouterFile(path, true, {})).sort()).toEqual([
      `${path}: limits.maxAliases: expected 0 (off) or more`,
      `${path}: limits.maxDepht: unknown key`,
      `${path}: limits.maxTokens: expected a whole number (0 turns the limit off)`,
    ]);
    expect(problems(() => readRouterFile(join(dir, "none.yaml"), false, { ROUTER_LIMITS__MAX_COST: "lots" }))).toEqual([
      "ROUTER_LIMITS__MAX_COST: expected a whole number (0 turns the limit off)",
    ]);
    expect(problems(() => readRouterFile(file("limits:\n  maxListSize: 0\n"), true, {}))[0]).toMatch(
      /limits\.maxListSize: /,
    );
  });
});
