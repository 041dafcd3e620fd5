import { describe, expect, it } from "vitest";
import { compareAnswers, describeProblems, firstDifference } from "./answers.js";

const product = (name: string) => ({ data: { product: { id: "2000001", name, createdBy: { id: "2000007" } } } });

describe("compareAnswers", () => {
  it("finds nothing wrong with equal answers, whatever the order of their keys and their extensions", () => {
    const reordered = { data: { product: { createdBy: { id: "2000007" }, name: "Product 1", id: "2000001" } } };
    expect(
      compareAnswers([
        { gateway: "plain", status: 200, body: product("Product 1") },
        { gateway: "ours", status: 200, body: { ...reordered, extensions: { requestId: "x" } } },
        { gateway: "hive", status: 200, body: product("Product 1") },
      ]),
    ).toEqual([]);
  });

  it("names the gateway, the path and both values where an answer differs", () => {
    const problems = compareAnswers([
      { gateway: "plain", status: 200, body: product("Product 1") },
      { gateway: "ours", status: 200, body: product("Product 1") },
      { gateway: "hive", status: 200, body: product("Product one") },
    ]);
    expect(problems).toEqual([
      {
        kind: "differs",
        gateway: "hive",
        baseline: "plain",
        path: "$.data.product.name",
        expected: '"Product 1"',
        actual: '"Product one"',
      },
    ]);
    expect(describeProblems("BenchProduct", problems)).toContain(
      'hive differs from plain at $.data.product.name: plain has "Product 1", hive has "Product one"',
    );
  });

  it("refuses error answers, even when every gateway gives the same one", () => {
    const refused = { errors: [{ message: "Query cost limit of 100000 exceeded", extensions: { code: "X" } }] };
    const partial = { data: { product: null }, errors: [{ message: "SUBGRAPH_UNAVAILABLE" }] };
    const problems = compareAnswers([
      { gateway: "plain", status: 200, body: product("Product 1") },
      { gateway: "ours", status: 400, body: refused },
      { gateway: "hive", status: 200, body: partial },
    ]);
    expect(problems.filter((problem) => problem.kind === "error")).toEqual([
      { kind: "error", gateway: "ours", detail: expect.stringContaining('HTTP 400: [{"message":"Query cost limit') },
      { kind: "error", gateway: "hive", detail: expect.stringContaining("SUBGRAPH_UNAVAILABLE") },
    ]);
    expect(compareAnswers([{ gateway: "ours", status: 200, body: { data: null } }])).toHaveLength(1);
  });
});

describe("firstDifference", () => {
  it("tells a missing key, a longer list and a different type apart from equal values", () => {
    expect(firstDifference({ a: [1, 2] }, { a: [1, 2] })).toBeUndefined();
    expect(firstDifference({ a: 1 }, { a: 1, b: 2 })).toEqual({ path: "$.b", expected: undefined, actual: 2 });
    expect(firstDifference([1], [1, 2])).toEqual({ path: "$[1]", expected: undefined, actual: 2 });
    expect(firstDifference({ a: [] }, { a: {} })).toEqual({ path: "$.a", expected: [], actual: {} });
    expect(firstDifference({ a: null }, { a: {} })?.path).toBe("$.a");
  });
});
