import { join } from "node:path";
import {
  freePort,
  postGraphQL,
  REPO_ROOT,
  routerDeployable,
  runProcess,
  type System,
  scratchFiles,
  startService,
  startSystem,
  subgraphDeployables,
} from "@supergraph/testing";
import { smokeMain } from "@supergraph/testing/smokeCheck";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let system: System;
beforeAll(async () => {
  // products runs twice (products, products-2) over one database; the router balances over both.
  system = await startSystem({ replicas: { products: 2 } });
});
afterAll(async () => {
  await system?.shutdown();
});

/** `smokeMain` run in-process, its output kept: the exit code it would give, and every line it wrote. */
async function smoke(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; output: string }> {
  const lines: string[] = [];
  const code = await smokeMain(args, env, { log: (line) => lines.push(line), error: (line) => lines.push(line) });
  return { code, output: lines.join("\n") };
}

/** `npm run smoke -- <args>` as a user runs it: the script's exit code and output. */
const smokeScript = (args: string[]) =>
  runProcess(join(REPO_ROOT, "node_modules/.bin/tsx"), ["--conditions=source", "scripts/smoke.ts", ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "" },
    timeoutMs: 60_000,
  });

describe("npm run smoke against a running system (real processes)", () => {
  it("passes with two products replicas on one database: the write reads back through the router, from both, and is deleted", async () => {
    const replicas = [system.url("products"), system.url("products-2")];
    const { code, output } = await smoke(["--url", system.url("router"), "--replicas", replicas.join(",")]);
    expect(code, output).toBe(0);
    expect(output).toMatch(/^ok {3}created product (\d+) through the router$/m);
    expect(output).toContain("ok   read it back through the router 20 times");
    // The router's round robin sent reads to each replica: its /ready counts them.
    for (const replica of replicas) expect(output).toMatch(new RegExp(`${replica}/graphql \\(([1-9]\\d*) requests\\)`));
    for (const replica of replicas) expect(output).toContain(`ok   ${replica}/graphql has it`);
    expect(output).toMatch(/^Smoke check passed\.$/m);

    const id = /created product (\d+)/.exec(output)?.[1];
    expect(await postGraphQL(system.routerUrl, `{ product(id: "${id}") { id } }`)).toEqual({ data: { product: null } });
  });

  it("fails when a products replica keeps a database of its own: naming it when read directly, counting the misses through a router", async () => {
    const products = subgraphDeployables().find(({ name }) => name === "products");
    if (!products) throw new Error("supergraph.yaml has no products subgraph");
    // A third products process the router does not know, on an SQLite file of its own (seeded the same way).
    const scratch = scratchFiles("smoke-elsewhere");
    const origin = `http://127.0.0.1:${await freePort()}`;
    const elsewhere = await startService("products-elsewhere", origin, [process.execPath, products.entry], {
      env: { DATABASE_FILE: join(scratch.dir, "products.db") },
    });
    try {
      const run = await smokeScript([
        "--url",
        system.routerUrl,
        "--reads",
        "4",
        "--replicas",
        `${system.url("products")},${origin}`,
      ]);
      expect(run.code, run.output).toBe(1);
      expect(run.stdout).toContain(`ok   ${system.url("products")}/graphql has it`);
      expect(run.stderr).toMatch(/^Smoke check FAILED:$/m);
      expect(run.stderr).toMatch(
        new RegExp(`^ {2}- ${origin}/graphql does not have product \\d+: it does not share the database`, "m"),
      );
      // It still cleans up after itself.
      expect(run.stdout).toMatch(/^ok {3}deleted product \d+ through the router$/m);

      // Through a router that balances over a replica of the shared database and that one, reads miss.
      const mixedOrigin = `http://127.0.0.1:${await freePort()}`;
      const mixed = await startService("router-mixed", mixedOrigin, [process.execPath, routerDeployable().entry], {
        env: {
          SUBGRAPH_USERS_URL: `${system.url("users")}/graphql`,
          SUBGRAPH_PRODUCTS_URL: `${system.url("products")}/graphql,${origin}/graphql`,
        },
      });
      try {
        const { code, output } = await smoke(["--url", mixedOrigin, "--reads", "6"]);
        expect(code, output).toBe(1);
        expect(output).toMatch(
          /- [1-5] of 6 reads through the router did not return product \d+ as written \(read \d+: no such product/,
        );
        expect(output).toContain(`${origin}/graphql (`); // the router's /ready lists both replicas
      } finally {
        await mixed.stop();
      }
    } finally {
      await elsewhere.stop();
      scratch.remove();
    }
  });

  it("fails when a write cannot be made: a wrong token, or no router at the URL", async () => {
    const wrongToken = await smoke(["--url", system.routerUrl], {
      JWT_SECRET: "not-the-secret-the-router-checks-with",
    });
    expect(wrongToken.code, wrongToken.output).toBe(1);
    expect(wrongToken.output).toMatch(/creating a product through the router failed \(HTTP 401, UNAUTHENTICATED: /);

    const nobody = await smoke(["--url", `http://127.0.0.1:${await freePort()}`]);
    expect(nobody.code, nobody.output).toBe(1);
    expect(nobody.output).toMatch(/creating a product through the router failed \(no answer: .*ECONNREFUSED/);
  });

  it("refuses bad arguments with its usage (exit 2)", async () => {
    for (const args of [["--reads", "0"], ["--url", "ftp://example.test"], ["--user", "x"], ["--unknown"]]) {
      const { code, output } = await smoke(args);
      expect(code, args.join(" ")).toBe(2);
      expect(output).toContain("usage: npm run smoke --");
    }
  });
});
