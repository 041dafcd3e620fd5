import { ERROR_CODES, isErrorCode } from "@supergraph/error-codes";
import { listWorkspaces, REPO_ROOT } from "@supergraph/testing";
import { describe, expect, it } from "vitest";
import { codeLiterals } from "./codeLiterals.js";
import { sourceFiles } from "./sourceFiles.js";

/** The code the services, the router and the client are built from: every workspace but the tools and test kits. */
const shippedSources = () =>
  listWorkspaces()
    .filter((workspace) => !workspace.path.startsWith("tools/") && !workspace.path.startsWith("internal/"))
    .flatMap((workspace) => sourceFiles(REPO_ROOT, workspace.dir))
    .filter((file) => !/\.(test|e2e)\.ts$/.test(file.path));

describe("the error-code contract", () => {
  it("every error code the code base builds an error with is in the contract", () => {
    const outside = codeLiterals(shippedSources()).filter(({ code }) => !isErrorCode(code));
    expect(outside.map(({ file, line, code }) => `${file}:${line}: ${code}`)).toEqual([]);
  });

  it("finds a code the contract lacks, wherever an error is built with it", () => {
    const files = [
      { path: "a.ts", text: 'throw new GraphQLError("x", { extensions: { code: "TEAPOT" } });' },
      { path: "b.ts", text: 'class Gone extends DomainError {\n  readonly code = "GONE";\n}' },
      { path: "c.ts", text: 'return { code: ErrorCode.NOT_FOUND };\nif (error.code === "ECONNREFUSED") retry();' },
    ];
    expect(codeLiterals(files).filter(({ code }) => !isErrorCode(code))).toEqual([
      { file: "a.ts", line: 1, code: "TEAPOT" },
      { file: "b.ts", line: 2, code: "GONE" },
    ]);
  });

  it("says what each code means, in one line", () => {
    for (const [code, meaning] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[A-Z][A-Z_]+$/);
      expect(meaning, code).toMatch(/^\S.*\.$/);
      expect(meaning, code).not.toContain("\n");
    }
  });
});
