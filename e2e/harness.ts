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
  urls: Record<ServiceName, string>;
  /** Stops one service with SIGTERM and waits for it to exit. */
  stop(name: ServiceName): Promise<void>;
  /** Starts a stopped service again on the same port with the same database file. */
  start(name: ServiceName): Promise<void>;
  /** Stops everything and removes the temporary data folder. */
  shutdown(): Promise<void>;
  /** What a service printed, for failure messages. */
  logs(name: ServiceName): string;
}

/**
 * Starts users, products and the router as real processes on free ports of 127.0.0.1, each
 * subgraph with its own database file in a temporary folder. Requires `npm run build`.
 */
export async function startSystem(
  extraEnv: Partial<Record<ServiceName, Record<string, string>>> = {},
): Promise<System> {
  for (const entry of Object.values(ENTRY_POINTS)) {
    if (!existsSync(join(ROOT, entry))) throw new Error(`${entry} is missing: run \`npm run build\` first.`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), "supergraph-e2e-"));
  const ports = { users: await freePort(), products: await freePort(), router: await freePort() };
  const urls = {
    users: `http://127.0.0.1:${ports.users}`,
    products: `http://127.0.0.1:${ports.products}`,
    router: `http://127.0.0.1:${ports.router}`,
  };
  const env: Record<ServiceName, Record<string, string>> = {
    users: { DATABASE_FILE: join(dataDir, "users.db") },
    products: { DATABASE_FILE: join(dataDir, "products.db") },
    router: {
      SUBGRAPH_USERS_URL: `${urls.users}/graphql`,
      SUBGRAPH_PRODUCTS_URL: `${urls.products}/graphql`,
    },
  };
  const running = new Map<ServiceName, Running>();

  async function start(name: ServiceName): Promise<void> {
    const output: string[] = [];
    const child = spawn(process.execPath, [ENTRY_POINTS[name]], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        HOST: "127.0.0.1",
        PORT: String(ports[name]),
        LOG_LEVEL: "warn",
        ...env[name],
        ...extraEnv[name],
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    running.set(name, { child, output });
    await waitForHealth(`${urls[name]}/health`, child, () => output.join(""));
  }

  async function stop(name: ServiceName): Promise<void> {
    const service = running.get(name);
    if (!service || service.child.exitCode !== null) return;
    const exited = new Promise((resolve) => service.child.once("exit", resolve));
    service.child.kill("SIGTERM");
    const timer = setTimeout(() => service.child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }

  const system: System = {
    routerUrl: `${urls.router}/graphql`,
    urls,
    start,
    stop,
    logs: (name) => running.get(name)?.output.join("") ?? "",
    async shutdown() {
      await Promise.all([...running.keys()].map(stop));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all([start("users"), start("products")]);
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
