/**
 * How a subgraph process (runSubgraph) starts, as a real process: the fixture subgraph run from
 * source, on a SQLite file of its own.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const TSX = fileURLToPath(new URL("../../../node_modules/.bin/tsx", import.meta.url));
const MAIN = fileURLToPath(new URL("./thingsMain.ts", import.meta.url));
const PRODUCTION_SECRET = "a-production-secret-long-enough-for-the-check-0123456789";

interface Started {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output: () => string;
  exited: Promise<number | null>;
}

let folder: string;
const running: ChildProcess[] = [];

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "subgraph-process-"));
});

afterAll(async () => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await rm(folder, { recursive: true, force: true });
});

/** Starts the fixture subgraph with only `env` (and PATH) set, on a free port and a database file of its own. */
function startThings(env: Record<string, string>): Started {
  const child = spawn(TSX, ["--conditions=source", MAIN], {
    env: {
      PATH: process.env.PATH ?? "",
      PORT: "0",
      DATABASE_FILE: join(folder, `things-${running.length}.db`),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.push(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** The first group of the first line matching `pattern` the process prints (waiting for it up to 20 s). */
async function printed({ output, child }: Started, pattern: RegExp): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const match = pattern.exec(output())?.[1];
    if (match !== undefined) return match;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`never printed ${pattern}:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.concurrent("a subgraph process that cannot start", () => {
  it.for<[string, Record<string, string>, RegExp]>([
    [
      "BENCHMARK_ACCEPT_UNSIGNED=1 in production",
      { NODE_ENV: "production", SUBGRAPH_SIGNING_SECRET: PRODUCTION_SECRET, BENCHMARK_ACCEPT_UNSIGNED: "1" },
      /BENCHMARK_ACCEPT_UNSIGNED: accepting unsigned requests is refused in production/,
    ],
    ["a bad SEED_USERS", { SEED_DATASET: "generated", SEED_USERS: "2000001" }, /SEED_USERS: expected at most 1000000/],
  ])("exits 2 (a configuration problem) with %s, saying why", async ([, env, problem], { expect }) => {
    const things = startThings(env);
    expect(await things.exited, things.output()).toBe(2);
    expect(things.output()).toMatch(/things failed to start: Invalid configuration/);
    expect(things.output()).toMatch(problem);
    expect(things.output()).not.toContain(PRODUCTION_SECRET);
  });

  it("exits 1 when the start fails for another reason (its database cannot be opened)", async ({ expect }) => {
    const things = startThings({ DATABASE_FILE: "/dev/null/things.db" });
    expect(await things.exited, things.output()).toBe(1);
    expect(things.output()).toMatch(/things failed to start/);
  });
});

describe("a subgraph process with BENCHMARK_ACCEPT_UNSIGNED=1", () => {
  it("warns at start, answers an unsigned request as an anonymous caller, and still refuses a forged identity", async () => {
    const things = startThings({ BENCHMARK_ACCEPT_UNSIGNED: "1" });
    const port = await printed(things, /"port":(\d+)[^\n]*"msg":"listening"/);
    expect(things.output()).toMatch(/"level":40[^\n]*BENCHMARK_ACCEPT_UNSIGNED=1: GraphQL requests WITHOUT/);
    const url = `http://127.0.0.1:${port}/graphql`;
    const body = JSON.stringify({ query: "{ caller { userId } things(first: 1) { nodes { id } } }" });
    const answered = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(await answered.json()).toEqual({ data: { caller: null, things: { nodes: [{ id: "1" }] } } });
    const forged = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-supergraph-identity": "eyJzdWIiOiIxIn0" },
      body,
    });
    expect(forged.status).toBe(401);
    things.child.kill("SIGTERM");
    expect(await things.exited).toBe(0);
  });
});
