/**
 * Runs the whole system locally: every subgraph of supergraph.yaml on the port of its routing URL,
 * then the router once they answer /health (bounded wait). Output is prefixed with each service's
 * name; a service that crashes is restarted (up to 3 times), and one that keeps failing stops the
 * others; Ctrl-C stops them all.
 *
 *   npm start      build, then run each workspace's `start` (node dist/index.js)
 *   npm run dev    run each workspace's `dev` (tsx watch: restarts on change, no build needed)
 *
 * The router listens on 4000. LOG_FORMAT defaults to pretty here (set LOG_FORMAT=json to override).
 * Each subgraph keeps its data in its SQLite file, or on PostgreSQL when <NAME>_DATABASE_URL is set
 * (USERS_DATABASE_URL, PRODUCTS_DATABASE_URL: its DATABASE_URL); REDIS_URL reaches the router.
 */
import { routerDeployable, subgraphDeployables } from "@supergraph/testing/system";
import { REPO_ROOT } from "@supergraph/testing/workspaces";
import concurrently from "concurrently";

const dev = process.argv.includes("--dev");

/** The variable holding a subgraph's PostgreSQL URL for `npm start`, e.g. USERS_DATABASE_URL. */
function databaseVariable(subgraph: string): string {
  return `${subgraph.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}_DATABASE_URL`;
}
const script = dev ? "dev" : "start";

const env: Record<string, string> = { LOG_FORMAT: process.env.LOG_FORMAT || "pretty" };
if (dev) {
  // Resolve the kits to their TypeScript source (their "source" export condition), so `tsx watch`
  // needs no build and restarts when a kit changes too.
  env.NODE_OPTIONS = [process.env.NODE_OPTIONS, "--conditions=source"].filter(Boolean).join(" ");
}

// One database per subgraph: a DATABASE_URL every subgraph inherited would put them all in one.
if (process.env.DATABASE_URL) {
  console.error(
    "npm start: DATABASE_URL would give every subgraph the same database. Set one per subgraph instead: " +
      subgraphDeployables()
        .map(({ name }) => `${databaseVariable(name)}=postgres://…/${name}`)
        .join(" "),
  );
  process.exit(2);
}

const COLORS = ["blue", "magenta", "cyan", "yellow"];
const subgraphs = subgraphDeployables().map((subgraph, index) => ({
  ...subgraph,
  port: new URL(subgraph.routingUrl).port,
  prefixColor: COLORS[index % COLORS.length] ?? "blue",
}));
const healthUrls = subgraphs.map(({ port }) => `http://127.0.0.1:${port}/health`).join(" ");
const router = routerDeployable();

const { result } = concurrently(
  [
    ...subgraphs.map(({ name, folder, port, prefixColor }) => ({
      name,
      prefixColor,
      command: `npm run ${script} --silent -w ${folder}`,
      env: {
        ...env,
        PORT: port,
        ...(process.env[databaseVariable(name)] ? { DATABASE_URL: process.env[databaseVariable(name)] } : {}),
      },
      cwd: REPO_ROOT,
    })),
    {
      name: router.name,
      prefixColor: "green",
      command: `tsx scripts/wait-for-health.ts ${healthUrls} && npm run ${script} --silent -w ${router.folder}`,
      env: { ...env, PORT: "4000" },
      cwd: REPO_ROOT,
    },
  ],
  {
    prefix: "name",
    padPrefix: true,
    // A service that crashes is restarted (like a container's restart policy) while the others keep
    // serving: the router answers with partial results meanwhile. One that keeps failing (e.g. its
    // port is taken) stops everything after the last try.
    restartTries: 3,
    restartDelay: 1000,
    killOthersOn: ["failure", "success"],
    killSignal: "SIGTERM",
    handleInput: false,
  },
);

// concurrently forwards these signals to every service (which then drain and stop); being asked
// to stop is a clean exit, whatever exit codes the signalled processes report.
let stopRequested = false;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    stopRequested = true;
  });
}

result.then(
  () => {
    process.exitCode = 0;
  },
  (events: unknown) => {
    const failed = !Array.isArray(events) || events.some((event: { exitCode?: unknown }) => event.exitCode !== 0);
    process.exitCode = failed && !stopRequested ? 1 : 0;
  },
);
