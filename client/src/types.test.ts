import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generate } from "@graphql-codegen/cli";
import { runNode } from "@supergraph/testing";
import { describe, expect, expectTypeOf, it } from "vitest";
import { createClient, type OperationResult } from "./client.js";
import type { GraphQLResultError } from "./errors.js";
import {
  CreateProductDocument,
  type CreateProductMutationVariables,
  ProductsDocument,
  type ProductsQuery,
  UserDocument,
  type UserQuery,
} from "./generated/operations.js";

const client = createClient({ url: "http://127.0.0.1:9/graphql" });

describe("operation types (checked by tsc in `npm test`; assertions here run no requests)", () => {
  it("types results and variables from the operation document", () => {
    const call = () => client.request(UserDocument, { id: "1" });
    expectTypeOf(call).returns.resolves.toEqualTypeOf<OperationResult<UserQuery>>();
    // email is private: null unless the caller is that user or an admin.
    expectTypeOf<NonNullable<UserQuery["user"]>["email"]>().toEqualTypeOf<string | null>();
    // Money is an exact decimal string, never a number.
    expectTypeOf<ProductsQuery["products"]["nodes"][number]["price"]>().toEqualTypeOf<string>();
    // Cross-subgraph fields are nullable: they can fail alone.
    expectTypeOf<ProductsQuery["products"]["nodes"][number]["createdBy"]>().toBeNullable();
    expectTypeOf<CreateProductMutationVariables["input"]["price"]>().toEqualTypeOf<string>();
    expectTypeOf<OperationResult<UserQuery>["errors"][number]>().toEqualTypeOf<GraphQLResultError>();
  });

  it("rejects misuse at compile time", () => {
    // Each line below must fail type-checking; if one stopped failing, tsc would report the unused directive.
    const misuse = () => {
      // @ts-expect-error: $id is a string (ID), not a number
      void client.request(UserDocument, { id: 1 });
      // @ts-expect-error: $id is required
      void client.request(UserDocument);
      // @ts-expect-error: price is not a field of CreateProductInput with a number type
      void client.request(CreateProductDocument, { input: { name: "X", price: 5, createdById: "1" } });
      type Node = ProductsQuery["products"]["nodes"][number];
      // @ts-expect-error: createdAt was not selected by the Products operation
      const unselected: Node["createdAt"] = "";
      // @ts-expect-error: password is not in the schema
      const unknown: NonNullable<UserQuery["user"]>["password"] = "";
      return [unselected, unknown];
    };
    expect(typeof misuse).toBe("function");
    // Optional variables may be left out entirely.
    expectTypeOf(client.request).toBeCallableWith(ProductsDocument);
  });
});

/** The installed TypeScript compiler's command (its package's `bin`). */
const tsc = join(dirname(createRequire(import.meta.url).resolve("typescript/package.json")), "bin", "tsc");
const fixtures = fileURLToPath(new URL("../type-fixtures/", import.meta.url));

describe("type-error fixtures compiled with tsc --noEmit", () => {
  it("fails exactly the misuse fixtures, each with the expected error, and passes the valid one", async () => {
    const { stdout, code: exitCode } = await runNode([tsc, "-p", `${fixtures}tsconfig.json`, "--pretty", "false"]);
    expect(exitCode).not.toBe(0);
    const errors = stdout
      .split("\n")
      .map((line) => /([\w-]+\.ts)\(\d+,\d+\): error (TS\d+)/.exec(line))
      .filter((match) => match !== null)
      .map((match) => `${match[1]} ${match[2]}`)
      .sort();
    expect(errors).toEqual([
      "missing-variable.ts TS2554",
      "unknown-field.ts TS2339",
      "unselected-field.ts TS2339",
      "wrong-variable-type.ts TS2322",
    ]);
  });
});

describe("codegen validates operations against the API schema", () => {
  it("refuses an operation selecting a field the schema does not have", async () => {
    const schema = fileURLToPath(new URL("../../api-schema.graphql", import.meta.url));
    await expect(
      generate(
        {
          schema,
          documents: "query Bad { users { nodes { password } } }",
          generates: { "bad.ts": { plugins: ["typescript-operations", "typed-document-node"] } },
          silent: true,
        },
        false,
      ),
    ).rejects.toThrow(/Cannot query field "password" on type "User"/);
  });
});
