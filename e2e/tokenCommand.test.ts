/**
 * `npm run token` as a user runs it (the script in a process of its own): the token it prints signs
 * in to a router configured as `npm start` configures it (no variables: the development secret), or
 * one sharing its JWT_SECRET; bad arguments are usage errors, never a stack trace; the secret is
 * never printed.
 */
import { join } from "node:path";
import { createTokenVerifier, DEVELOPMENT_SECRETS } from "@supergraph/auth";
import { buildRouter } from "@supergraph/router/buildRouter";
import { composeTinySupergraph, deadUrl, REPO_ROOT, runProcess, scratchFiles } from "@supergraph/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** `npm run token -- <args>`: the script's exit code, the token it printed (stdout) and its messages (stderr). */
const token = (args: string[], env: Record<string, string> = {}) =>
  runProcess(join(REPO_ROOT, "node_modules/.bin/tsx"), ["--conditions=source", "scripts/token.ts", ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
    timeoutMs: 60_000,
  });

/** The router's own token check, as `npm start` builds it from no configuration at all. */
let verifyLikeNpmStart: (token: string) => Promise<unknown>;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  // A router built from an empty environment (its subgraphs need not answer: only its token check is used).
  const files = scratchFiles("token-command");
  closers.push(async () => files.remove());
  const supergraph = files.file(
    composeTinySupergraph({ users: await deadUrl(), products: await deadUrl() }),
    "supergraph.graphql",
  );
  const { service } = await buildRouter({
    LOG_LEVEL: "silent",
    SUPERGRAPH_PATH: supergraph,
    ROUTER_SUPERGRAPH__WATCH: "false",
    ROUTER_SUBGRAPHS__ALL__HEALTH_CHECK__INTERVAL_MS: "0",
  });
  closers.push(() => service.close());
  const { port } = await service.listen(0, "127.0.0.1");
  verifyLikeNpmStart = async (jwt) => {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${jwt}` },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    return { status: response.status, body: await response.json() };
  };
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;

describe("npm run token", () => {
  it("prints a development token that a router started with no configuration accepts", async () => {
    const run = await token(["--user", "3", "--scope", "admin", "--expires", "15m"]);
    expect(run.code, run.output).toBe(0);
    const jwt = run.stdout.trim();
    expect(jwt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = claimsOf(jwt);
    expect(claims).toMatchObject({ sub: "3", scope: "admin", iss: "supergraph", aud: "supergraph" });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(15 * 60);
    expect(await verifyLikeNpmStart(jwt)).toEqual({ status: 200, body: { data: { __typename: "Query" } } });
    // It says which secret signed it, never the secret itself.
    expect(run.stderr).toMatch(/development secret/);
    expect(run.output).not.toContain(DEVELOPMENT_SECRETS.jwtSecret);
  });

  it("signs with JWT_SECRET when it is set: such a token is refused by a router on the development secret", async () => {
    const secret = "token-command-test-secret-0123456789abcdef";
    const run = await token(["--user", "1"], { JWT_SECRET: secret });
    expect(run.code, run.output).toBe(0);
    const jwt = run.stdout.trim();
    const verify = createTokenVerifier({ secret, issuer: "supergraph", audience: "supergraph" });
    expect(await verify(jwt)).toEqual({ userId: "1", scopes: [] });
    expect(await verifyLikeNpmStart(jwt)).toMatchObject({ status: 401 });
    expect(run.output).not.toContain(secret);
    expect(run.stderr).not.toMatch(/development secret/);
  });

  it("refuses bad arguments with a usage message and exit code 2, never a stack trace", async () => {
    const cases: [string[], RegExp][] = [
      [[], /--user must be a user id/],
      [["--user", "1", "--expires", "1x"], /--expires: .*\(e\.g\. 15m, 1h, 7d\)/],
      [["--user", "1", "--colour", "red"], /Unknown option '--colour'/],
    ];
    const runs = await Promise.all(cases.map(([args]) => token(args)));
    for (const [index, [args, message]] of cases.entries()) {
      const run = runs[index];
      const label = `npm run token -- ${args.join(" ")}`;
      expect(run?.code, `${label}\n${run?.output}`).toBe(2);
      expect(run?.stdout, label).toBe("");
      expect(run?.stderr, label).toMatch(message);
      expect(run?.stderr, label).toMatch(/^usage: npm run token -- --user <id>/m);
      expect(run?.stderr, label).not.toMatch(/\n\s+at /);
    }
  }, 60_000);

  it("--help prints the usage on stdout and exits 0", async () => {
    const run = await token(["--help"]);
    expect([run.code, run.stdout.trim()]).toEqual([0, expect.stringMatching(/^usage: npm run token -- --user <id>/)]);
  }, 30_000);
});
