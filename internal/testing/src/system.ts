/**
 * The real-process harness: the repository's deployables started as `npm start` runs them (their
 * built entry points), on free ports of 127.0.0.1, each subgraph with its own database in a
 * temporary folder (or its own throwaway PostgreSQL database). Which services there are comes from the repository itself: every subgraph of
 * supergraph.yaml (in the folder of its schema file, started by its package's `main`), and the router.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { createTestDatabase, type TestDatabase, testEngine } from "@supergraph/subgraph-kit/testing";
import { parse as parseYaml } from "yaml";
import { freePort } from "./freePort.js";
import { type RunningProcess, startProcess } from "./processes.js";
import { waitForHealth } from "./waitForHealth.js";
import { REPO_ROOT, readManifest } from "./workspaces.js";

/** A deployable: its name, its workspace folder and the built file its process runs, relative to the repository root. */
export interface Deployable {
  name: string;
  folder: string;
  entry: string;
}

/** A subgraph as supergraph.yaml routes to it. */
export interface SubgraphDeployable extends Deployable {
  /** Its `routing_url`: where the composed supergraph sends its requests (`npm start` serves it there). */
  routingUrl: string;
}

function entryOf(root: string, folder: string): string {
  const { main } = readManifest(folder);
  if (!main) throw new Error(`${relative(root, folder)}/package.json has no "main" (its process entry)`);
  return relative(root, join(folder, main));
}

/** The subgraphs of `root`'s supergraph.yaml, in its order, each in the folder of its schema file. */
export function subgraphDeployables(root = REPO_ROOT): SubgraphDeployable[] {
  const config = parseYaml(readFileSync(join(root, "supergraph.yaml"), "utf8")) as {
    subgraphs: Record<string, { routing_url: string; schema: { file: string } }>;
  };
  return Object.entries(config.subgraphs).map(([name, subgraph]) => {
    const folder = dirname(resolve(root, subgraph.schema.file));
    return { name, folder: relative(root, folder), entry: entryOf(root, folder), routingUrl: subgraph.routing_url };
  });
}

/** The router's deployable. */
export function routerDeployable(root = REPO_ROOT): Deployable {
  return { name: "router", folder: "router", entry: entryOf(root, join(root, "router")) };
}

export interface SystemOptions {
  /** More environment variables, by service name (`router`, or a subgraph's). Default: none. */
  env?: Record<string, Record<string, string>>;
  /**
   * Replicas per subgraph (default 1). Extra replicas are more processes of the same subgraph on
   * their own ports, sharing its database file; the router gets them all as a comma-separated
   * SUBGRAPH_<NAME>_URL. They are named `products-2`, `products-3`, ...
   */
  replicas?: Record<string, number>;
  /** How long a service may take to answer `/health` at start. Default: 20000 ms. */
  startTimeoutMs?: number;
  /**
   * The subgraphs' engine: `sqlite` (a file per subgraph in `dataDir`) or `postgres` (a throwaway
   * database per subgraph on the test server, dropped on shutdown). Default: the test run's
   * (TEST_DATABASE, else sqlite). Replicas of a subgraph share its database either way.
   */
  database?: "sqlite" | "postgres";
  /**
   * Router instances (default 1): more routers over the same subgraphs, each on its own port with the
   * same environment (`env.router`), named `router-2`, `router-3`, ... (`routerUrl` is the first's).
   */
  routers?: number;
}

export interface System extends AsyncDisposable {
  /** The router's GraphQL endpoint. */
  routerUrl: string;
  /** Origin of each instance by name: `router`, `users`, `products`, `products-2`, ... */
  urls: Readonly<Record<string, string>>;
  /** Origin of one instance; throws for a name the system does not have. */
  url(name: string): string;
  /** The temporary folder holding the logs, and the databases on SQLite. */
  dataDir: string;
  /** Where a subgraph keeps its data: its SQLite file, or its PostgreSQL database (name and URL). */
  database(subgraph: string): { engine: "sqlite"; file: string } | { engine: "postgres"; name: string; url: string };
  /** Stops one instance with SIGTERM (it drains) and waits for it to exit. */
  stop(name: string): Promise<void>;
  /** Kills one instance with SIGKILL (no cleanup, like a crash) and waits for it to exit. */
  kill(name: string): Promise<void>;
  /** Starts a stopped instance again on the same port with the same database file. */
  start(name: string): Promise<void>;
  /** Sends a signal: SIGSTOP makes a process hang (it accepts connections but never answers), SIGCONT resumes it. */
  signal(name: string, signal: NodeJS.Signals): void;
  /** Waits (at most `timeoutMs`) for an instance to exit: its exit code, or undefined if it still runs. */
  exited(name: string, timeoutMs?: number): Promise<number | null | undefined>;
  /** What an instance has printed (all its runs: it logs to a file in `dataDir`), e.g. for failure messages or to follow a request. */
  logs(name: string): string;
  /** The process id of a running instance (e.g. to read its CPU time); undefined when it is not running. */
  pid(name: string): number | undefined;
  /** Stops everything and removes the temporary data folder. Also `await using`. */
  shutdown(): Promise<void>;
}

/**
 * Starts a service's process (`command args`, from the repository root) listening on `origin`'s port
 * of 127.0.0.1, and waits until its `/health` answers. A process that exits first, or is not healthy
 * within `startTimeoutMs`, is stopped and the error carries what it printed.
 */
export async function startService(
  name: string,
  origin: string,
  [command, ...args]: readonly [string, ...string[]],
  {
    env = {},
    startTimeoutMs = 20_000,
    logFile,
  }: { env?: Record<string, string>; startTimeoutMs?: number; logFile?: string } = {},
): Promise<RunningProcess> {
  const child = startProcess(command, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: new URL(origin).port, ...env },
    ...(logFile ? { logFile } : {}),
  });
  const health = `${origin}/health`;
  try {
    const late = await waitForHealth([health], {
      timeoutMs: startTimeoutMs,
      abortIf: () => (child.running ? undefined : `${name} exited before it was healthy:\n${child.output()}`),
    });
    if (late.length > 0) throw new Error(`${health} was not healthy within ${startTimeoutMs} ms:\n${child.output()}`);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return child;
}

/** Starts every subgraph, then the router routed to them, as real processes. Requires `npm run build`. */
export async function startSystem({
  env = {},
  replicas = {},
  startTimeoutMs = 20_000,
  routers = 1,
  database,
}: SystemOptions = {}): Promise<System> {
  const subgraphs = subgraphDeployables();
  const router = routerDeployable();
  for (const { entry } of [...subgraphs, router]) {
    if (!existsSync(join(REPO_ROOT, entry))) throw new Error(`${entry} is missing: run \`npm run build\` first.`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), "supergraph-system-"));
  const engine = database ?? testEngine();
  /** On PostgreSQL: each subgraph's throwaway database, shared by its replicas. */
  const databases = new Map<string, TestDatabase>();
  try {
    if (engine === "postgres") {
      for (const { name } of subgraphs) databases.set(name, await createTestDatabase(name));
    }
  } catch (error) {
    await Promise.all([...databases.values()].map((created) => created.drop()));
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const databaseOf = (subgraph: string) => {
    const created = databases.get(subgraph);
    return created
      ? ({ engine: "postgres", name: created.name, url: created.url } as const)
      : ({ engine: "sqlite", file: join(dataDir, `${subgraph}.db`) } as const);
  };
  /** Instance name -> its deployable. */
  const instances = new Map<string, Deployable>();
  const instancesOf = (subgraph: string) => [...instances].filter(([, d]) => d.name === subgraph).map(([n]) => n);
  for (const subgraph of subgraphs) {
    instances.set(subgraph.name, subgraph);
    for (let replica = 2; replica <= (replicas[subgraph.name] ?? 1); replica++) {
      instances.set(`${subgraph.name}-${replica}`, subgraph);
    }
  }
  instances.set("router", router);
  // Extra routers (`routers`): router-2, router-3, ..., started with the first.
  const extraRouters = Array.from({ length: Math.max(0, routers - 1) }, (_, index) => `router-${index + 2}`);
  for (const name of extraRouters) instances.set(name, router);
  const urls: Record<string, string> = {};
  for (const name of instances.keys()) urls[name] = `http://127.0.0.1:${await freePort()}`;
  const url = (name: string) => {
    const origin = urls[name];
    if (origin === undefined) throw new Error(`no instance "${name}"; there are ${Object.keys(urls).join(", ")}`);
    return origin;
  };
  const envOf = (deployable: Deployable): Record<string, string> =>
    deployable === router
      ? Object.fromEntries(
          subgraphs.map(({ name }) => [
            // The variable the router documents for each subgraph (router/README.md, "Subgraph URLs").
            `SUBGRAPH_${name.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}_URL`,
            instancesOf(name)
              .map((instance) => `${url(instance)}/graphql`)
              .join(","),
          ]),
        )
      : databases.has(deployable.name)
        ? { DATABASE_URL: databases.get(deployable.name)?.url ?? "" }
        : { DATABASE_FILE: join(dataDir, `${deployable.name}.db`) };
  const running = new Map<string, RunningProcess>();

  async function start(name: string): Promise<void> {
    const deployable = instances.get(name);
    if (!deployable) throw new Error(`no instance "${name}"`);
    const child = await startService(name, url(name), [process.execPath, deployable.entry], {
      // A file, not a pipe: a busy test or load generator never slows a service's log writes down.
      logFile: join(dataDir, `${name}.log`),
      // Everything a service logs, debug lines included, is kept for the run's scan for secrets.
      env: { LOG_LEVEL: "debug", ...envOf(deployable), ...env[deployable.name] },
      startTimeoutMs,
    });
    running.set(name, child);
  }
  const instance = (name: string) => {
    const child = running.get(name);
    if (!child) throw new Error(`${name} was never started`);
    return child;
  };
  const shutdown = async () => {
    await Promise.all([...running.values()].map((child) => child.stop()));
    await Promise.all([...databases.values()].map((created) => created.drop()));
    rmSync(dataDir, { recursive: true, force: true });
  };
  const system: System = {
    routerUrl: `${url("router")}/graphql`,
    urls,
    url,
    dataDir,
    database: (subgraph) => {
      if (!subgraphs.some(({ name }) => name === subgraph)) throw new Error(`no subgraph "${subgraph}"`);
      return databaseOf(subgraph);
    },
    start,
    stop: (name) => instance(name).stop("SIGTERM"),
    kill: (name) => instance(name).stop("SIGKILL"),
    signal: (name, signal) => instance(name).signal(signal),
    exited: (name, timeoutMs) => instance(name).exited(timeoutMs),
    logs: (name) => running.get(name)?.output() ?? "",
    pid: (name) => {
      const child = running.get(name);
      return child?.running ? child.child.pid : undefined;
    },
    shutdown,
    [Symbol.asyncDispose]: shutdown,
  };
  try {
    await Promise.all(subgraphs.map(({ name }) => start(name)));
    // Extra replicas start once the first has created and migrated the shared database.
    await Promise.all(
      [...instances.keys()].filter((name) => /-\d+$/.test(name) && !extraRouters.includes(name)).map(start),
    );
    await Promise.all(["router", ...extraRouters].map(start));
  } catch (error) {
    await shutdown();
    throw error;
  }
  return system;
}
