import { describe, expect, it } from "vitest";
import { AcknowledgementsError, loadAcknowledgements } from "./acknowledgements.js";
import type { Report } from "./report.js";
import { checkProject as check, copyRepository, checkOf as get, recompose, USER_EMAIL } from "./testing.js";

const statuses = (report: Report) => Object.fromEntries(report.checks.map((check) => [check.id, check.status]));

const PRODUCTS_USER = 'type User @key(fields: "id") @cacheControl(maxAge: 30) {\n  id: ID!\n';

describe("composition check", () => {
  it("fails when products redefines User.name with another type, naming both subgraphs, the type, the field and the code", async () => {
    await using project = await copyRepository();
    const { root } = project;
    project.edit("subgraphs/products/schema.graphql", PRODUCTS_USER, `${PRODUCTS_USER}  name: Int\n`);
    const report = await check(root);
    expect(report.ok).toBe(false);
    const composition = get(report, "composition");
    expect(composition.status).toBe("fail");
    expect(composition.findings).toContainEqual(
      expect.objectContaining({
        level: "error",
        code: "FIELD_TYPE_MISMATCH",
        subgraphs: expect.arrayContaining(["users", "products"]),
        types: ["User"],
        fields: ["User.name"],
      }),
    );
    // Every error names its subgraphs, even those whose AST nodes do not carry them.
    for (const finding of composition.findings) expect(finding.subgraphs).toEqual(expect.arrayContaining(["products"]));
    expect(get(report, "breaking-changes").status).toBe("warn");
  });
});

describe("drift check", () => {
  it("fails when supergraph.graphql was edited by hand, pointing at the first differing line", async () => {
    await using project = await copyRepository();
    const { root } = project;
    project.edit("supergraph.graphql", "http://localhost:4002/graphql", "http://localhost:4999/graphql");
    const report = await check(root);
    const drift = get(report, "drift");
    expect(drift.status).toBe("fail");
    expect(drift.findings).toEqual([
      expect.objectContaining({
        code: "SUPERGRAPH_STALE",
        message: expect.stringMatching(
          /^supergraph\.graphql differs from a fresh composition .*line \d+: expected .*4002/,
        ),
      }),
    ]);
    expect(statuses(report)).toMatchObject({ composition: "pass", "breaking-changes": "pass", operations: "pass" });
  });

  it("fails when a subgraph's code serves a field its schema.graphql lacks", async () => {
    await using project = await copyRepository();
    const { root } = project;
    // The code builds its schema from another file than its contract, with one more field.
    const contract = project.read("subgraphs/users/schema.graphql");
    project.write("subgraphs/users/served.graphql", `${contract}\nextend type User { nickname: String }\n`);
    project.edit(
      "subgraphs/users/src/server.ts",
      'new URL("../schema.graphql", import.meta.url)',
      'new URL("../served.graphql", import.meta.url)',
    );
    const report = await check(root, { servedSdl: true });
    const drift = get(report, "drift");
    expect(drift.status).toBe("fail");
    expect(drift.findings).toEqual([
      expect.objectContaining({
        code: "SERVED_SDL_DRIFT",
        subgraphs: ["users"],
        message: expect.stringMatching(/users: the code serves .* subgraphs\/users\/schema\.graphql: .*'nickname'/),
      }),
    ]);
  });
});

describe("breaking-changes and operations checks", () => {
  it("pass when a nullable field is added, which the subgraph's code then serves", async () => {
    await using project = await copyRepository();
    const { root } = project;
    project.edit(
      "subgraphs/users/schema.graphql",
      USER_EMAIL,
      `${USER_EMAIL}  "What friends call them."\n  nickname: String\n`,
    );
    await recompose(project);
    const report = await check(root, { servedSdl: true });
    expect(statuses(report)).toEqual({
      composition: "pass",
      drift: "pass",
      "breaking-changes": "pass",
      operations: "pass",
      "query-plans": "pass",
    });
    expect(get(report, "breaking-changes").summary).toMatch(
      /since the base: 0 breaking \(0 unacknowledged\), 0 dangerous/,
    );
    expect(get(report, "breaking-changes").findings).toContainEqual(
      expect.objectContaining({ level: "info", code: "FIELD_ADDED", fields: ["User.nickname"] }),
    );
  });

  it("fail on a breaking change until schema-changes.yaml acknowledges it, then pass", async () => {
    await using project = await copyRepository();
    const { root } = project;
    project.edit("subgraphs/users/schema.graphql", "createdAt: DateTime!", "createdAt: DateTime");
    await recompose(project);

    const before = await check(root);
    const breaking = get(before, "breaking-changes");
    expect(breaking.status).toBe("fail");
    expect(breaking.findings[0]).toMatchObject({
      code: "FIELD_TYPE_CHANGED",
      fields: ["User.createdAt"],
      operations: expect.arrayContaining([expect.stringMatching(/^User \(@supergraph\/client, client\/operations\//)]),
      fix: expect.stringContaining('- change: "FIELD_TYPE_CHANGED User.createdAt"'),
    });
    expect(get(before, "operations").status).toBe("pass"); // still valid, so no operation breaks

    project.write(
      "schema-changes.yaml",
      'accepted:\n  - change: "FIELD_TYPE_CHANGED User.createdAt"\n    reason: "Clients already treat createdAt as optional."\n',
    );
    const after = await check(root);
    expect(after.ok).toBe(true);
    expect(get(after, "breaking-changes")).toMatchObject({
      status: "pass",
      findings: [
        expect.objectContaining({
          level: "info",
          message: expect.stringContaining("acknowledged: Clients already treat createdAt as optional."),
        }),
      ],
    });
  });

  it("say when no known client operation uses a breaking change (the client-aware verdict)", async () => {
    await using project = await copyRepository();
    const { root } = project;
    project.edit(
      "subgraphs/products/schema.graphql",
      "products(first: Int = 20, after: String): ProductConnection\n}",
      "products(first: Int = 20): ProductConnection\n}",
    );
    await recompose(project);
    const report = await check(root);
    expect(get(report, "breaking-changes").findings).toEqual([
      expect.objectContaining({
        level: "error",
        code: "FIELD_ARGUMENT_REMOVED",
        message: expect.stringContaining("no known client operation uses it"),
        operations: [],
      }),
    ]);
    expect(get(report, "operations")).toMatchObject({
      status: "pass",
      findings: [
        expect.objectContaining({
          code: "BREAKING_CHANGE_UNUSED",
          message: "FIELD_ARGUMENT_REMOVED User.products.after: no known client operation uses it",
        }),
      ],
    });
  });

  it("warn about an acknowledgement that matches no change", async () => {
    await using project = await copyRepository();
    const { root } = project;
    project.write("schema-changes.yaml", 'accepted:\n  - change: "FIELD_REMOVED User.nickname"\n    reason: "Old."\n');
    const report = await check(root);
    expect(report.ok).toBe(true);
    expect(get(report, "breaking-changes")).toMatchObject({
      status: "warn",
      findings: [expect.objectContaining({ code: "ACKNOWLEDGEMENT_STALE" })],
    });
  });

  it("reject an invalid schema-changes.yaml, naming the bad entry", async () => {
    await using project = await copyRepository();
    const { root } = project;
    project.write(
      "schema-changes.yaml",
      'accepted:\n  - change: "FIELD_REMOVED User.email"\n  - change: "remove email"\n',
    );
    const attempt = loadAcknowledgements(project.path("schema-changes.yaml") ?? "");
    await expect(attempt).rejects.toThrow(AcknowledgementsError);
    await expect(attempt).rejects.toThrow(/accepted\[0\] \("FIELD_REMOVED User\.email"\)\.reason: expected reason/);
    await expect(attempt).rejects.toThrow(/accepted\[1\] \("remove email"\)\.change: expected "<CHANGE_TYPE> <path>"/);
    const report = await check(root);
    expect(get(report, "breaking-changes").findings).toContainEqual(
      expect.objectContaining({ level: "error", code: "ACKNOWLEDGEMENTS_INVALID" }),
    );
  });
});

const manifest = (operations: object[]) =>
  `${JSON.stringify({ format: "apollo-persisted-query-manifest", version: 1, operations }, null, 2)}\n`;
const userEmail = {
  id: "1",
  name: "UserEmail",
  type: "query",
  body: "query UserEmail($id: ID!) { user(id: $id) { email } }",
};

describe("operations manifest", () => {
  it("checks other clients' persisted operations and names the invalid manifest entries", async () => {
    await using project = await copyRepository();
    const { root } = project;
    project.write("client-operations/ios.json", manifest([userEmail]));
    project.write("client-operations/web.json", manifest([{ id: "2", name: "Broken", type: "query" }]));
    project.commit("Manifests");
    project.edit("subgraphs/users/schema.graphql", USER_EMAIL, "");
    await recompose(project);
    const report = await check(root);
    const operations = get(report, "operations");
    expect(operations.findings).toContainEqual(
      expect.objectContaining({
        code: "OPERATIONS_UNREADABLE",
        message: expect.stringMatching(/^client-operations\/web\.json: operations\[0\] \(Broken\)\.body: /),
      }),
    );
    expect(operations.findings).toContainEqual(
      expect.objectContaining({
        code: "OPERATION_BROKEN",
        message: expect.stringMatching(
          /^UserEmail \(ios, client-operations\/ios\.json#operations\[0\]\) would break: Cannot query field "email"/,
        ),
      }),
    );
    expect(get(report, "breaking-changes").findings[0]?.operations).toContain(
      "UserEmail (ios, client-operations/ios.json#operations[0])",
    );
  });
});

describe("query-plans check", () => {
  it("warns when an operation's plan needs more subgraph fetches than at the base", async () => {
    await using project = await copyRepository();
    const { root } = project;
    project.write("client-operations/ios.json", manifest([userEmail]));
    project.commit("Manifest");
    // products takes over User.email: reading a user's email now needs users, then products.
    project.edit("subgraphs/products/schema.graphql", '"@shareable"]', '"@shareable", "@override"]');
    project.edit(
      "subgraphs/products/schema.graphql",
      PRODUCTS_USER,
      `${PRODUCTS_USER}  email: String! @override(from: "users")\n`,
    );
    await recompose(project);
    const report = await check(root);
    expect(report.ok).toBe(true);
    expect(get(report, "query-plans")).toMatchObject({
      status: "warn",
      findings: expect.arrayContaining([
        expect.objectContaining({
          level: "warning",
          code: "QUERY_PLAN_FETCHES_CHANGED",
          message:
            "UserEmail (ios, client-operations/ios.json#operations[0]): 1 subgraph fetch at the base, 2 subgraph fetches now",
        }),
      ]),
    });
  });
});
