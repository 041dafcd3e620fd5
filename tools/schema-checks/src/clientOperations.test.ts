import { describe, expect, it } from "vitest";
import { loadClientOperations, operationLabel, PERSISTED_DOCUMENTS } from "./clientOperations.js";
import { checkOf, checkProject, copyRepository } from "./testing.js";

const MANIFEST = `client/${PERSISTED_DOCUMENTS}`;

describe("the typed client's operations: its documents and its persisted-documents manifest", () => {
  it("counts an operation in both once, from its .graphql file", async () => {
    await using project = await copyRepository({ git: false });
    const manifest = JSON.parse(project.read(MANIFEST)) as Record<string, string>;
    const { operations, problems } = await loadClientOperations(project.root);
    expect(problems).toEqual([]);
    const typed = operations.filter((operation) => operation.client === "@supergraph/client");
    // Every manifest entry is one of the .graphql operations: none is added twice.
    expect(typed).toHaveLength(Object.keys(manifest).length);
    expect(typed.every((operation) => /^client\/operations\/\w+\.graphql:\d+$/.test(operation.location))).toBe(true);
    expect(new Set(typed.map((operation) => operation.name)).size).toBe(typed.length);
  });

  it("counts once an operation written differently in each (same canonical form)", async () => {
    await using project = await copyRepository({ git: false });
    // Reformatted and reordered, with a comment: the same operation for the canonical print.
    project.edit(
      "client/operations/products.graphql",
      "query Product($id: ID!) {\n  product(id: $id) {\n    ...ProductFields\n    createdAt\n",
      "query Product($id: ID!) {\n  product(id: $id) {\n    createdAt # when\n    ...ProductFields\n",
    );
    const { operations } = await loadClientOperations(project.root);
    expect(operations.filter((operation) => operation.name === "Product")).toHaveLength(1);
  });

  it("still counts a manifest operation whose .graphql source is gone or changed: the router would run it", async () => {
    await using project = await copyRepository({ git: false });
    project.edit("client/operations/users.graphql", "mutation DeleteUser(", "mutation RemoveUser(");
    const { operations } = await loadClientOperations(project.root);
    const labels = operations.map(operationLabel);
    expect(labels).toContainEqual(
      expect.stringMatching(/^RemoveUser \(@supergraph\/client, client\/operations\/users\.graphql:\d+\)$/),
    );
    expect(labels).toContainEqual(
      expect.stringMatching(/^DeleteUser \(@supergraph\/client, client\/persisted-documents\.json#[0-9a-f]{64}\)$/),
    );
  });

  it("reports an unreadable manifest", async () => {
    await using project = await copyRepository({ git: false });
    project.write(MANIFEST, '{ "abc": 1 }');
    const { problems } = await loadClientOperations(project.root);
    expect(problems).toEqual([expect.stringMatching(/^client\/persisted-documents\.json: /)]);
  });
});

describe("the drift check (npm run check:generated)", () => {
  it("finds a stale persisted-documents manifest, like any codegen output", async () => {
    await using project = await copyRepository({ git: false });
    const manifest = JSON.parse(project.read(MANIFEST)) as Record<string, string>;
    const [first] = Object.keys(manifest);
    delete manifest[first ?? ""];
    project.write(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
    const drift = checkOf(await checkProject(project.root, { codegen: true }), "drift");
    expect(drift.status).toBe("fail");
    expect(drift.findings).toEqual([
      expect.objectContaining({ code: "CODEGEN_STALE", message: `${MANIFEST} is stale` }),
    ]);
  });
});
