/**
 * The kit's HTTP front (Fastify) against Express 5, on the same services, in one run: the users
 * subgraph queried directly, and the router on a 1-fetch query and a 2-fetch join. Both routers use
 * the same subgraph processes behind them, so only the front differs.
 *
 * Every process runs with PROTECTIONS=off (development only). Part of the protections lives in the
 * kit's front: the router's door (`admit`: token check, rate limit) and a subgraph's signature check
 * (`verifyRequest`), which the Express peer does not run. With them on, the kit would do work the
 * peer skips; off, both fronts do the same work and only the front differs. What the protections
 * cost is measured by `npm run bench:overhead -- --protections both`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  freePort,
  postGraphQL,
  type RunningProcess,
  routerDeployable,
  startService,
  subgraphDeployables,
} from "@supergraph/testing";
import { pinProcesses } from "./cpu.js";
import { type Contender, formatStandings, race } from "./race.js";
import { PRODUCTS_WITH_CREATORS, seedUsers, seedUsersWithProducts, subgraphDirectly, USERS_PAGE } from "./workload.js";

export interface HttpFrontRaceOptions {
  rounds: number;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
}

const EXPRESS_FRONT = fileURLToPath(new URL("./expressFront.ts", import.meta.url));
/** The peer runs from its TypeScript source through tsx's loader (only the benchmark's own file is compiled so). */
const require = createRequire(import.meta.url);
const TSX_LOADER = pathToFileURL(require.resolve("tsx")).href;
/** The same work for both fronts: no token checks, rate limits, operation limits or signatures (see above). */
const SAME_WORK = { PROTECTIONS: "off" };

interface Started {
  name: string;
  url: string;
  process: RunningProcess;
}

/** Runs the race and returns its report; every process it starts is stopped before it returns. */
export async function raceHttpFronts(options: HttpFrontRaceOptions): Promise<string> {
  const pinning = pinProcesses();
  const dataDir = mkdtempSync(join(tmpdir(), "bench-http-"));
  const started: Started[] = [];
  const entryOf = Object.fromEntries([...subgraphDeployables(), routerDeployable()].map((d) => [d.name, d.entry]));

  async function start(name: string, cpu: string, args: string[], env: Record<string, string>): Promise<Started> {
    const origin = `http://127.0.0.1:${await freePort()}`;
    const child = await startService(name, origin, pinning.wrap(cpu, process.execPath, args), {
      env: { LOG_LEVEL: "error", ...SAME_WORK, ...env },
    });
    const entry: Started = { name, url: `${origin}/graphql`, process: child };
    started.push(entry);
    return entry;
  }
  const kit = (name: string, cpu: string, deployable: string, env: Record<string, string>) =>
    start(name, cpu, [entryOf[deployable] ?? deployable], env);
  const peer = (name: string, cpu: string, deployable: string, env: Record<string, string>) =>
    start(name, cpu, ["--import", TSX_LOADER, EXPRESS_FRONT, deployable], env);

  try {
    // Behind the routers, 20 users with a product each. Each product is created by its user, signed in,
    // and with PROTECTIONS=off a subgraph trusts no caller's identity: so the databases are seeded first
    // by instances with protections on (requests signed as the router signs), then served without them.
    const databases = { users: join(dataDir, "users.db"), products: join(dataDir, "products.db") };
    const seedingUsers = await kit("users (seeding)", pinning.others, "users", {
      DATABASE_FILE: databases.users,
      PROTECTIONS: "on",
    });
    const seedingProducts = await kit("products (seeding)", pinning.others, "products", {
      DATABASE_FILE: databases.products,
      PROTECTIONS: "on",
    });
    await seedUsersWithProducts(subgraphDirectly(seedingUsers.url), subgraphDirectly(seedingProducts.url), 20);
    await Promise.all([seedingUsers.process.stop(), seedingProducts.process.stop()]);
    const backingUsers = await kit("users (behind the routers)", pinning.others, "users", {
      DATABASE_FILE: databases.users,
    });
    const backingProducts = await kit("products (behind the routers)", pinning.others, "products", {
      DATABASE_FILE: databases.products,
    });
    const routerEnv = { SUBGRAPH_USERS_URL: backingUsers.url, SUBGRAPH_PRODUCTS_URL: backingProducts.url };
    const users = [
      await peer("users, Express 5", pinning.measured, "users", { DATABASE_FILE: join(dataDir, "users-express.db") }),
      await kit("users, kit (Fastify)", pinning.measured, "users", { DATABASE_FILE: join(dataDir, "users-kit.db") }),
    ];
    const routers = [
      await peer("router, Express 5", pinning.measured, "router", routerEnv),
      await kit("router, kit (Fastify)", pinning.measured, "router", routerEnv),
    ];

    // Full pages: 20 users in each users database queried directly (sign-up needs no identity).
    for (const target of users) await seedUsers(subgraphDirectly(target.url), 20);

    const scenarios = [
      { title: "users subgraph queried directly", targets: users, query: USERS_PAGE },
      { title: "router, 1 subgraph fetch", targets: routers, query: USERS_PAGE },
      {
        title: "router, 2 subgraph fetches (products + their creators)",
        targets: routers,
        query: PRODUCTS_WITH_CREATORS,
      },
    ];
    const report = [
      `Node ${process.version}, ${cpus().length} CPUs; ${
        pinning.available
          ? `servers under test on CPU ${pinning.measured}, load generator and the subgraphs behind the routers on CPU ${pinning.others}`
          : "no CPU pinning (taskset or a second CPU missing): figures are noisier"
      }.`,
      `${options.rounds} alternating rounds of ${options.durationSeconds} s per front, ${options.connections} connections, ${options.warmupSeconds} s warm-up; medians. Baseline: Express 5.`,
    ];
    for (const { title, targets, query } of scenarios) {
      // Both fronts must give the same, full answer before their speed means anything.
      const answers = await Promise.all(targets.map((target) => postGraphQL(target.url, query)));
      if (JSON.stringify(answers[0]) !== JSON.stringify(answers[1]) || answers[0]?.errors) {
        throw new Error(`${title}: the fronts answer differently or with errors: ${JSON.stringify(answers)}`);
      }
      const contenders: Contender[] = targets.map(({ name, url, process: child }) => ({
        name,
        url,
        pid: child.child.pid ?? 0,
      }));
      const standings = await race(contenders, {
        ...options,
        body: JSON.stringify({ query }),
        onSample: (name, round, sample) =>
          process.stderr.write(
            `${title} | ${name} round ${round}: ${sample.rps.toFixed(0)} req/s, p99 ${sample.p99} ms\n`,
          ),
      });
      report.push("", formatStandings(title, standings));
    }
    return report.join("\n");
  } finally {
    await Promise.all(started.map(({ process: child }) => child.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
