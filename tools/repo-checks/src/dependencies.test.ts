import { fileURLToPath } from "node:url";
import { runProcess } from "@supergraph/testing";
import { describe, expect, it } from "vitest";

const here = fileURLToPath(new URL("..", import.meta.url));

describe("declared dependencies", () => {
  it("every workspace declares each package it imports, and imports each package it declares (knip)", async () => {
    // knip, configured by the repository's knip.json, reading every workspace's imports, scripts and bins.
    const run = await runProcess("npm", ["run", "--silent", "dependencies"], { cwd: here, timeoutMs: 120_000 });
    expect(run.output.trim()).toBe("");
    expect(run.code).toBe(0);
  });
});
