import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { REPO_ROOT } from "@supergraph/testing";
import { describe, expect, it } from "vitest";
import { type Clone, sharedBlocks } from "./sharedBlocks.js";

const USERS = join(REPO_ROOT, "subgraphs/users");
const PRODUCTS = join(REPO_ROOT, "subgraphs/products");
const shown = (clones: Clone[]) =>
  clones.map(
    (clone) =>
      `${clone.kind} ${clone.format}, ${clone.lines} lines: ${relative(REPO_ROOT, clone.first)} = ${relative(REPO_ROOT, clone.second)}`,
  );

describe("the two subgraphs share no code by copy", () => {
  it("no block of 6+ lines (the same, or the same shape with other names) is in both users and products", async () => {
    expect(shown(await sharedBlocks([USERS, PRODUCTS]))).toEqual([]);
  });

  it("finds such a block when one is planted in both, renamed, outside generated files", async () => {
    const copy = mkdtempSync(join(tmpdir(), "subgraphs-"));
    try {
      const users = join(copy, "users");
      const products = join(copy, "products");
      const source = (path: string) => !/node_modules|dist|data/.test(path);
      cpSync(USERS, users, { recursive: true, filter: source });
      cpSync(PRODUCTS, products, { recursive: true, filter: source });
      const helper = (thing: string) => `
export function total${thing}s(${thing}s: { cents: number; count: number }[]): number {
  let sum = 0;
  for (const ${thing} of ${thing}s) {
    if (${thing}.count > 0) sum += ${thing}.cents * ${thing}.count;
    else sum -= ${thing}.cents;
  }
  return sum;
}
`;
      writeFileSync(join(users, "src", "totals.ts"), helper("user"));
      writeFileSync(join(products, "src", "sums.ts"), helper("product"));
      // The same block in generated code is not counted.
      const generated = join(users, "src", "generated", "resolvers-types.ts");
      writeFileSync(generated, `${readFileSync(generated, "utf8")}\n${helper("thing")}`);
      const clones = await sharedBlocks([users, products]);
      expect(clones).toEqual([
        expect.objectContaining({ kind: "renamed", first: expect.stringMatching(/totals\.ts:2-9$|sums\.ts:2-9$/) }),
      ]);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
