import { fileURLToPath } from "node:url";
import {
  CreateProductDocument,
  CreateUserDocument,
  createClient,
  type SupergraphClient,
  UsersDocument,
} from "@supergraph/client";
import { bearer, runNode, type System, startSystem } from "@supergraph/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../client/dist/bin.js", import.meta.url));

let system: System;
let client: SupergraphClient;

/** Runs the built CLI as a user would, anonymously, returning its exit code and output. */
const cli = (...args: string[]) => cliAs(undefined, ...args);

/** Runs the built CLI signed in with `token` (in SUPERGRAPH_TOKEN, as `npm run token` suggests), or anonymously. */
async function cliAs(
  token: string | undefined,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runNode([CLI, ...args], {
    env: {
      PATH: process.env.PATH ?? "",
      SUPERGRAPH_URL: system.routerUrl,
      ...(token === undefined ? {} : { SUPERGRAPH_TOKEN: token }),
    },
    timeoutMs: 20_000,
  });
}

/** The raw token of `userId`, for SUPERGRAPH_TOKEN. */
const tokenOf = async (userId: string, scopes: string[] = []) =>
  (await bearer(userId, scopes)).authorization.replace(/^Bearer /, "");

beforeAll(async () => {
  system = await startSystem();
  client = createClient({ url: system.routerUrl });
});

afterAll(async () => {
  await system?.shutdown();
});

describe("typed client against the running system", () => {
  it("gets users and their products in one typed call", async () => {
    const result = await client.request(UsersDocument, { first: 10 });
    expect(result.errors).toEqual([]);
    expect(result.data?.users.nodes.map((u) => [u.name, u.products?.nodes.map((p) => p.name)])).toEqual([
      ["Alice", ["Product A"]],
      ["Bob", ["Product B"]],
    ]);
  });

  it("signs a user up, then creates a product signed in as them, joined on the next read", async () => {
    const { createUser } = await client.requestData(CreateUserDocument, {
      input: { name: "Dora", email: "dora@example.com" },
    });
    const dora = createClient({ url: system.routerUrl, headers: await bearer(createUser.id) });
    const { createProduct } = await dora.requestData(CreateProductDocument, {
      input: { name: "Desk", price: "120.00" },
    });
    expect(createProduct).toMatchObject({
      name: "Desk",
      price: "120.00",
      createdBy: { id: createUser.id, name: "Dora" },
    });
  });

  it("returns typed validation errors with their code and field", async () => {
    const result = await client.request(CreateUserDocument, { input: { name: "X", email: "dora@example.com" } });
    expect(result.data).toBeNull();
    expect(result.errors).toEqual([
      expect.objectContaining({ code: "CONFLICT", field: "email", serviceName: "users" }),
    ]);
  });
});

describe("CLI against the running system", () => {
  it("prints users with their products as a table: emails to an admin, hidden from an anonymous caller", async () => {
    const admin = await cliAs(await tokenOf("2", ["admin"]), "users");
    expect(admin.code).toBe(0);
    expect(admin.stdout).toMatch(/^id\s+name\s+email\s+products$/m);
    expect(admin.stdout).toMatch(/^1\s+Alice\s+alice@example\.com\s+Product A$/m);
    const anonymous = await cli("users");
    expect(anonymous.code).toBe(0);
    expect(anonymous.stdout).toMatch(/^1\s+Alice\s+\(hidden\)\s+Product A$/m);
    expect(anonymous.stdout).not.toContain("@example.com");
  });

  it("prints one product and its creator (email to the creator), and JSON with --json", async () => {
    expect((await cliAs(await tokenOf("1"), "product", "101")).stdout).toContain("Creator: Alice <alice@example.com>");
    const text = await cli("product", "101");
    expect(text.stdout).toContain("Creator: Alice <(hidden)>");
    const json = await cli("product", "101", "--json");
    expect(JSON.parse(json.stdout)).toEqual({
      data: {
        product: expect.objectContaining({
          id: "101",
          price: "19.99",
          createdBy: expect.objectContaining({ name: "Alice", email: null }),
        }),
      },
      errors: [],
    });
  });

  it("signs a user up and creates a product from the command line, signed in with SUPERGRAPH_TOKEN", async () => {
    const user = await cli("create-user", "--name", "Carol", "--email", "carol@example.com", "--json");
    expect(user.code).toBe(0);
    const id = (JSON.parse(user.stdout) as { data: { createUser: { id: string } } }).data.createUser.id;
    const carol = await tokenOf(id);
    const product = await cliAs(carol, "create-product", "--name", "Lamp", "--price", "12.50", "--created-by", id);
    expect(product.code, product.stderr).toBe(0);
    expect(product.stdout).toMatch(/Lamp\s+12\.50\s+Carol/);
    expect((await cli("user", id)).stdout).toContain("Products: Lamp (12.50)");
  });

  it("exits 1 and prints the error code for bad input, and for an anonymous write", async () => {
    const bad = await cliAs(await tokenOf("1"), "create-product", "--name", "X", "--price=-3", "--created-by", "1");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("error [BAD_USER_INPUT] input.price must be 0 or more");
    const anonymous = await cli("create-product", "--name", "X", "--price", "3", "--created-by", "1");
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain("error [UNAUTHENTICATED]");
  });
});

describe("partial results with the products subgraph stopped", () => {
  it("still returns every user, with products null and an error naming the subgraph, then recovers", async () => {
    await system.stop("products");
    try {
      const result = await client.request(UsersDocument);
      expect(result.data?.users.nodes.map((u) => u.name)).toEqual(expect.arrayContaining(["Alice", "Bob"]));
      expect(result.data?.users.nodes.every((u) => u.products === null)).toBe(true);
      expect(result.errors.length).toBeGreaterThan(0);
      expect(result.errors.every((e) => e.serviceName === "products")).toBe(true);

      const printed = await cli("users");
      expect(printed.code).toBe(1);
      expect(printed.stdout).toMatch(/^1\s+Alice\s+\(hidden\)\s+\(unavailable\)$/m);
      expect(printed.stderr).toContain("subgraph products");
    } finally {
      await system.start("products");
    }
    const recovered = await client.request(UsersDocument);
    expect(recovered.errors).toEqual([]);
    expect(recovered.data?.users.nodes[0]?.products?.nodes[0]?.name).toBe("Product A");
  });
});

describe("network failures", () => {
  it("the client and the CLI name the URL when the router is unreachable", async () => {
    const url = "http://127.0.0.1:9/graphql";
    await expect(createClient({ url }).request(UsersDocument)).rejects.toThrow(`Could not reach ${url}`);
    const { code, stderr } = await cli("users", "--url", url);
    expect(code).toBe(1);
    expect(stderr).toContain(`Could not reach ${url}`);
  });
});
