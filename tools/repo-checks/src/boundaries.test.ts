import { listWorkspaces, REPO_ROOT } from "@supergraph/testing";
import { describe, expect, it } from "vitest";
import { boundaryCrossings, describeCrossings, importSpecifiers } from "./boundaryCrossings.js";
import { sourceFiles } from "./sourceFiles.js";

const workspaces = listWorkspaces().map((workspace) => workspace.path);

describe("workspace boundaries", () => {
  it("no file imports across a workspace boundary by relative path (only by package name)", () => {
    const crossings = boundaryCrossings(sourceFiles(REPO_ROOT), workspaces);
    expect(describeCrossings(crossings)).toEqual([]);
  });

  it("finds every kind of import, and reports one that reaches into another workspace or from the root into one", () => {
    const source = [
      'import a from "./a.js";',
      "export { b } from '../b.js';",
      'import {\n  type C,\n  d,\n} from "./c.js";',
      'import "./side.js";',
      'const lazy = await import("./lazy.js");',
      "const text = 'import(\"./not-an-import.js\")';",
    ].join("\n");
    expect(importSpecifiers(source).sort()).toEqual(["../b.js", "./a.js", "./c.js", "./lazy.js", "./side.js"]);
    const files = [
      {
        path: "subgraphs/users/src/a.ts",
        text: 'import { x } from "../../products/src/x.js";\nimport { y } from "./y.js";',
      },
      { path: "e2e/b.e2e.ts", text: 'import { z } from "../client/src/index.js";' },
      { path: "router/src/c.ts", text: 'import { w } from "@supergraph/service-kit";' },
    ];
    expect(boundaryCrossings(files, ["subgraphs/users", "subgraphs/products", "client", "router"])).toEqual([
      { file: "subgraphs/users/src/a.ts", specifier: "../../products/src/x.js", into: "subgraphs/products" },
      { file: "e2e/b.e2e.ts", specifier: "../client/src/index.js", into: "client" },
    ]);
  });
});
