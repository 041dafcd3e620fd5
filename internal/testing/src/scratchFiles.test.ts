import { existsSync, readFileSync } from "node:fs";
import { ConfigError } from "@supergraph/service-kit";
import { describe, expect, it } from "vitest";
import { configProblems } from "./configProblems.js";
import { scratchFiles } from "./scratchFiles.js";

describe("scratch files and configuration problems", () => {
  it("writes numbered or named files in one folder, and removes it", () => {
    const scratch = scratchFiles("kit-test");
    const first = scratch.file("a: 1\n");
    const named = scratch.file("secret\n", "jwt");
    expect(first).not.toBe(scratch.file("a: 1\n"));
    expect([readFileSync(first, "utf8"), readFileSync(named, "utf8")]).toEqual(["a: 1\n", "secret\n"]);
    expect(named.startsWith(scratch.dir)).toBe(true);
    scratch.remove();
    expect(existsSync(scratch.dir)).toBe(false);
  });

  it("returns a ConfigError's problems, and fails on no error or another error", () => {
    expect(
      configProblems(() => {
        throw new ConfigError(["PORT: bad"]);
      }),
    ).toEqual(["PORT: bad"]);
    expect(() => configProblems(() => undefined)).toThrow(/expected a ConfigError/);
    expect(() =>
      configProblems(() => {
        throw new TypeError("boom");
      }),
    ).toThrow(TypeError);
  });
});
