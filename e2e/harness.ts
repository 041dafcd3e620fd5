import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The deployables, each started from its built output exactly as `npm start` runs it. */
const ENTRY_POINTS = {
  users: "subgraphs/users/dist/index.js",
  products: "subgraphs/products/dist/index.js",
  router: "router/dist/index.js",
} as const;

export type ServiceName = keyof typeof ENTRY_POINTS;
type SubgraphName = Exclude<ServiceName, "router">;
/** A running process: a service, or an extra replica of a subgraph (`products-2`, ...). */
export type InstanceName = ServiceName | `${SubgraphName}-${number}`;

export interface SystemOptions {
  /**
   * Replicas per subgraph (default 1). Extra replicas are more processes of the same subgraph on
   * their own ports, sharing its database file; the router gets them all as a comma-separated
   * SUBGRAPH_<NAME>_URL. They are named `products-2`, `products-3`, ...
   */
  replicas?: Partial<Record<SubgraphName, number>>;
}

/** Asks the OS for a free port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

async function waitForHealth(
  url: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${url} exited with ${child.exitCode} before it was healthy:\n${output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} was not healthy within ${timeoutMs} ms:\n${output()}`);
}

interface Running {
  child: ChildProcess;
  output: string[];
}

export interface System {
  routerUrl: string;
  /** Origin of each running instance, e.g. `urls.products`, `urls["products-2"]`. */
  urls: Record<ServiceName, string> & Partial<Record<InstanceName, string>>;
  /** The temporary folder holding the databases (and anything a test writes there). */
  dataDir: string;
  /** Stops one service with SIGTERM and waits for it to exit. */
  stop(name: InstanceName): Promise<void>;
  /** Starts a stopped service again on the same port with the same database file. */
  start(name: InstanceName): Promise<void>;
  /** Sends a signal: SIGSTOP makes a process hang (it accepts connections but never answers), SIGCONT resumes it. */
  signal(name: InstanceName, signal: NodeJS.Signals): void;
  /** Kills one service with SIGKILL (no cleanup, like a crash) and waits for it to exit. */
  kill(name: InstanceName): Promise<void>;
  /** Waits (at most `timeoutMs`) for a service to exit; resolves with its exit code, or null if it is still running. */
  exited(name: InstanceName, timeoutMs?: number): Promise<number | null>;
  /** Stops everything and removes the temporary data folder. */
  shutdown(): Promise<void>;
  /** What a service printed, for failure messages. */
  logs(name: InstanceName): string;
}

/**
 * Starts users, products and the router as real processes on free ports of 127.0.0.1, each
 * subgraph with its own database file in a temporary folder. Requires `npm run build`.
 */
export async function startSystem(
  extraEnv: Partial<Record<ServiceName, Record<string, string>>> = {},
  options: SystemOptions = {},
): Promise<System> {
  for (const entry of Object.values(ENTRY_POINTS)) {
    if (!existsSync(join(ROOT, entry))) throw new Error(`${entry} is missing: run \`npm run build\` first.`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), "supergraph-e2e-"));
  const instances: Record<SubgraphName, InstanceName[]> = { users: ["users"], products: ["products"] };
  for (const subgraph of ["users", "products"] as const) {
    for (let replica = 2; replica <= (options.replicas?.[subgraph] ?? 1); replica++) {
      instances[subgraph].push(`${subgraph}-${replica}`);
    }
  }
  const serviceOf = (name: InstanceName) => name.replace(/-\d+$/, "") as ServiceName;
  const ports: Partial<Record<InstanceName, number>> = {};
  for (const name of ["router", ...instances.users, ...instances.products] as InstanceName[]) {
    ports[name] = await freePort();
  }
  const urls = Object.fromEntries(
    Object.entries(ports).map(([name, port]) => [name, `http://127.0.0.1:${port}`]),
  ) as System["urls"];
  const graphqlUrls = (subgraph: SubgraphName) => instances[subgraph].map((name) => `${urls[name]}/graphql`).join(",");
  const env: Record<ServiceName, Record<string, string>> = {
    users: { DATABASE_FILE: join(dataDir, "users.db") },
    products: { DATABASE_FILE: join(dataDir, "products.db") },
    router: {
      SUBGRAPH_USERS_URL: graphqlUrls("users"),
      SUBGRAPH_PRODUCTS_URL: graphqlUrls("products"),
    },
  };
  const running = new Map<InstanceName, Running>();

  async function start(name: InstanceName): Promise<void> {
    const service = serviceOf(name);
    const output: string[] = [];
    const child = spawn(process.execPath, [ENTRY_POINTS[service]], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        HOST: "127.0.0.1",
        PORT: String(ports[name]),
        LOG_LEVEL: "warn",
        ...env[service],
        ...extraEnv[service],
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    running.set(name, { child, output });
    await waitForHealth(`${urls[name]}/health`, child, () => output.join(""));
  }

  const isRunning = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

  async function stop(name: InstanceName, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const service = running.get(name);
    if (!service || !isRunning(service.child)) return;
    const exited = new Promise((resolve) => service.child.once("exit", resolve));
    service.child.kill(signal);
    service.child.kill("SIGCONT"); // a process stopped with SIGSTOP handles nothing until resumed
    const timer = setTimeout(() => service.child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }

  async function exited(name: InstanceName, timeoutMs = 10_000): Promise<number | null> {
    const child = running.get(name)?.child;
    if (!child) throw new Error(`${name} was never started`);
    if (!isRunning(child)) return child.exitCode;
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode))),
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return code;
  }

  const system: System = {
    routerUrl: `${urls.router}/graphql`,
    urls,
    dataDir,
    start,
    stop: (name) => stop(name),
    kill: (name) => stop(name, "SIGKILL"),
    signal: (name, signal) => {
      running.get(name)?.child.kill(signal);
    },
    exited,
    logs: (name) => running.get(name)?.output.join("") ?? "",
    async shutdown() {
      await Promise.all([...running.keys()].map((name) => stop(name)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all([start("users"), start("products")]);
    // Extra replicas start once the first has created and migrated the shared database.
    await Promise.all([...instances.users.slice(1), ...instances.products.slice(1)].map(start));
    await start("router");
  } catch (error) {
    await system.shutdown();
    throw error;
  }
  return system;
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

/** POSTs a GraphQL request, as any client would. */
export async function graphql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(10_000),
  });
  return (await response.json()) as GraphQLResponse<T>;
}
