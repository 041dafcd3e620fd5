/**
 * The processes of the gateway race: the subgraphs (started once, on the generated dataset), and
 * the gateways raced in front of them, all on the same supergraph file (the repository's, its
 * subgraph URLs pointed at the started subgraphs).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import {
  freePort,
  REPO_ROOT,
  type RunningProcess,
  routerDeployable,
  startProcess,
  subgraphDeployables,
} from "@supergraph/testing";
import type { Pinning } from "./cpu.js";
import type { DatasetSize } from "./gatewayWorkloads.js";
import { tsxArgs } from "./tsx.js";

/** The gateways the race knows, in the order they run in each round. */
export const GATEWAY_IDS = ["ours", "ours-off", "plain", "hive", "hive-bench"] as const;
export type GatewayId = (typeof GATEWAY_IDS)[number];

/** What each gateway is, for the report. */
export const GATEWAY_NAMES: Readonly<Record<GatewayId, string>> = {
  ours: "ours (as shipped)",
  "ours-off": "ours, PROTECTIONS=off",
  plain: "plain @apollo/gateway",
  hive: "Hive Gateway",
  "hive-bench": "Hive Gateway, bench config",
};

/** How each gateway runs, for the report. */
export const GATEWAY_SETUPS: Readonly<Record<GatewayId, string>> = {
  ours: "node router/dist/index.js, router.yaml defaults: token check, rate limit, operation limits, signed subgraph requests, request logs, metrics; tracing off",
  "ours-off":
    "the same with PROTECTIONS=off (development only): no token check, rate limit, operation limits or signatures, like the peers",
  plain:
    "internal/benchmarks/src/plainGateway.ts: @apollo/gateway + @apollo/server standalone, defaults (APOLLO_TELEMETRY_DISABLED=1)",
  hive: "hive-gateway supergraph <file>, default configuration",
  "hive-bench":
    "hive-gateway supergraph <file> --jit -c internal/benchmarks/src/hiveGateway.config.ts (inboundInflightRequestDeduplication: true)",
};

/**
 * What the race sets for our router on top of router.yaml. All load comes from one address and one
 * token, so the rate limiter (which still runs) must never refuse; the operation limits stay at their
 * defaults, which admit every benchmark operation.
 */
export const OUR_ROUTER_OVERRIDES: Readonly<Record<string, string>> = {
  ROUTER_RATE_LIMIT__REQUESTS: "100000000",
};

/** A started server: where it answers GraphQL, its process, and its process id (CPU time, memory). */
export interface Server {
  name: string;
  origin: string;
  graphqlUrl: string;
  pid: number;
  process: RunningProcess;
}

/** Polls a GraphQL endpoint with `{ __typename }` until it answers 200, or gives up with the process's output. */
async function waitUntilAnswering(name: string, url: string, child: RunningProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!child.running) throw new Error(`${name} exited before it answered:\n${child.output().slice(-4000)}`);
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"query":"{ __typename }"}',
        signal: AbortSignal.timeout(2000),
      });
      await response.text();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${name} did not answer ${url} within ${timeoutMs} ms:\n${child.output().slice(-4000)}`);
}

/** Starts `command args` from the repository root with only `env` (and PATH, HOST, PORT), logging to `logFile`. */
async function startServer(
  name: string,
  [command, ...args]: readonly [string, ...string[]],
  {
    env,
    logFile,
    path = "/graphql",
    timeoutMs = 60_000,
  }: { env: Record<string, string>; logFile: string; path?: string; timeoutMs?: number },
): Promise<Server> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const child = startProcess(command, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: String(port), ...env },
    logFile,
  });
  const graphqlUrl = `${origin}${path}`;
  try {
    await waitUntilAnswering(name, graphqlUrl, child, timeoutMs);
  } catch (error) {
    await child.stop("SIGKILL");
    throw error;
  }
  return { name, origin, graphqlUrl, pid: child.child.pid ?? 0, process: child };
}

/** The subgraphs, by name (users, products). */
export type Subgraphs = Readonly<Record<string, Server>>;

/**
 * Starts every subgraph of supergraph.yaml once, on `pinning.others`, each with a database of its own
 * in `dataDir` seeded with the generated dataset, accepting unsigned requests (benchmark only: the
 * peers cannot sign) while still verifying signed ones (our router's).
 */
export async function startSubgraphs(
  pinning: Pinning,
  dataDir: string,
  dataset: DatasetSize,
  extraEnv: Record<string, string> = {},
): Promise<Subgraphs> {
  const started = await Promise.allSettled(
    subgraphDeployables().map(({ name, entry }) =>
      startServer(name, pinning.wrap(pinning.others, process.execPath, [entry]), {
        env: {
          DATABASE_FILE: join(dataDir, `${name}.db`),
          SEED_DATASET: "generated",
          SEED_USERS: String(dataset.users),
          SEED_PRODUCTS: String(dataset.products),
          SEED_RANDOM_SEED: "1",
          BENCHMARK_ACCEPT_UNSIGNED: "1",
          ...extraEnv,
        },
        logFile: join(dataDir, `${name}.log`),
        // Seeding the generated dataset happens at start.
        timeoutMs: 180_000,
      }),
    ),
  );
  const servers = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failed = started.find((result) => result.status === "rejected");
  if (failed) {
    await Promise.all(servers.map((server) => server.process.stop()));
    throw failed.reason;
  }
  return Object.fromEntries(servers.map((server) => [server.name, server]));
}

/** Writes the repository's supergraph.graphql to `file`, each subgraph's URL pointed at the started one. */
export function writeSupergraph(file: string, subgraphs: Subgraphs): void {
  let sdl = readFileSync(join(REPO_ROOT, "supergraph.graphql"), "utf8");
  for (const [name, server] of Object.entries(subgraphs)) {
    const pattern = new RegExp(`(@join__graph\\(name: "${name}", url: ")[^"]*(")`);
    if (!pattern.test(sdl)) throw new Error(`supergraph.graphql has no join__graph named "${name}"`);
    sdl = sdl.replace(pattern, `$1${server.graphqlUrl}$2`);
  }
  writeFileSync(file, sdl);
}

const require = createRequire(import.meta.url);
/** Hive Gateway's CLI (the `hive-gateway` bin of @graphql-hive/gateway), run with this Node. */
const HIVE_GATEWAY_BIN = join(dirname(require.resolve("@graphql-hive/gateway")), "bin.js");
const HIVE_BENCH_CONFIG = fileURLToPath(new URL("./hiveGateway.config.ts", import.meta.url));
const PLAIN_GATEWAY = fileURLToPath(new URL("./plainGateway.ts", import.meta.url));

/** Starts one gateway on `pinning.measured`, in front of `subgraphs` through `supergraphFile`. */
export function startGateway(
  id: GatewayId,
  {
    pinning,
    supergraphFile,
    subgraphs,
    logDir,
    routerEnv = {},
  }: {
    pinning: Pinning;
    supergraphFile: string;
    subgraphs: Subgraphs;
    logDir: string;
    /** More environment for our router (both of its configurations), e.g. to turn a feature off. */
    routerEnv?: Readonly<Record<string, string>>;
  },
): Promise<Server> {
  const pinned = (args: string[]) => pinning.wrap(pinning.measured, process.execPath, args);
  const logFile = join(logDir, `${id}.log`);
  const name = GATEWAY_NAMES[id];
  switch (id) {
    case "ours":
    case "ours-off": {
      const urls = Object.fromEntries(
        Object.entries(subgraphs).map(([subgraph, server]) => [
          `SUBGRAPH_${subgraph.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}_URL`,
          server.graphqlUrl,
        ]),
      );
      return startServer(name, pinned([routerDeployable().entry]), {
        env: {
          SUPERGRAPH_PATH: supergraphFile,
          ...urls,
          ...OUR_ROUTER_OVERRIDES,
          ...routerEnv,
          ...(id === "ours-off" ? { PROTECTIONS: "off" } : {}),
        },
        logFile,
      });
    }
    case "plain":
      return startServer(name, pinned(tsxArgs(PLAIN_GATEWAY)), {
        env: { SUPERGRAPH_PATH: supergraphFile, APOLLO_TELEMETRY_DISABLED: "1" },
        logFile,
      });
    case "hive":
      return startServer(name, pinned([HIVE_GATEWAY_BIN, "supergraph", supergraphFile]), { env: {}, logFile });
    case "hive-bench":
      return startServer(
        name,
        pinned([HIVE_GATEWAY_BIN, "supergraph", supergraphFile, "--jit", "-c", HIVE_BENCH_CONFIG]),
        {
          env: {},
          logFile,
        },
      );
  }
}
