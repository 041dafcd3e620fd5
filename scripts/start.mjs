#!/usr/bin/env node
/**
 * Runs the whole system locally: the users and products subgraphs, then the router once both
 * answer /health (bounded wait). Output is prefixed with each service's name; a service that
 * crashes is restarted (up to 3 times), and one that keeps failing stops the others; Ctrl-C stops all three.
 *
 *   npm start      build, then run each workspace's `start` (node dist/index.js)
 *   npm run dev    run each workspace's `dev` (tsx watch: restarts on change, no build needed)
 *
 * Ports are fixed to match supergraph.yaml's routing URLs: router 4000, users 4001, products 4002.
 * LOG_FORMAT defaults to pretty here (set LOG_FORMAT=json to override).
 */
import { fileURLToPath } from "node:url";
import concurrently from "concurrently";

const root = fileURLToPath(new URL("..", import.meta.url));

const dev = process.argv.includes("--dev");
const script = dev ? "dev" : "start";

const env = { LOG_FORMAT: process.env.LOG_FORMAT || "pretty" };
if (dev) {
  // Resolve @supergraph/service-kit to its TypeScript source (its "source" export condition),
  // so `tsx watch` needs no build and restarts when the kit changes too.
  env.NODE_OPTIONS = [process.env.NODE_OPTIONS, "--conditions=source"].filter(Boolean).join(" ");
}

const subgraphs = [
  { name: "users", workspace: "@supergraph/users", port: 4001, prefixColor: "blue" },
  { name: "products", workspace: "@supergraph/products", port: 4002, prefixColor: "magenta" },
];
const healthUrls = subgraphs.map(({ port }) => `http://127.0.0.1:${port}/health`).join(" ");

const { result } = concurrently(
  [
    ...subgraphs.map(({ name, workspace, port, prefixColor }) => ({
      name,
      prefixColor,
      command: `npm run ${script} --silent -w ${workspace}`,
      env: { ...env, PORT: String(port) },
      cwd: root,
    })),
    {
      name: "router",
      prefixColor: "green",
      command: `node scripts/wait-for-health.mjs ${healthUrls} && npm run ${script} --silent -w @supergraph/router`,
      env: { ...env, PORT: "4000" },
      cwd: root,
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
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    stopRequested = true;
  });
}

result.then(
  () => {
    process.exitCode = 0;
  },
  (events) => {
    const failed = !Array.isArray(events) || events.some((event) => event.exitCode !== 0);
    process.exitCode = failed && !stopRequested ? 1 : 0;
  },
);
