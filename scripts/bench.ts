/**
 * Throughput and latency of the running system, as ratios against a baseline measured in the same
 * run: the users subgraph queried directly. Shows what the router's query planning and the
 * cross-subgraph joins cost. Starts its own three processes on free ports of 127.0.0.1.
 *
 *   npm run bench [-- --duration 5 --connections 10]
 */
import { parseArgs } from "node:util";
import { PRODUCTS_WITH_CREATORS, seedUsersWithProducts, USERS_PAGE } from "@supergraph/benchmarks";
import { startSystem } from "@supergraph/testing";
import autocannon from "autocannon";

const { values } = parseArgs({
  options: { duration: { type: "string", default: "5" }, connections: { type: "string", default: "10" } },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
if (!(duration > 0 && duration <= 60) || !(connections > 0 && connections <= 200)) {
  console.error("--duration must be 1-60 seconds and --connections 1-200.");
  process.exit(2);
}

interface Scenario {
  name: string;
  target: "users" | "router";
  query: string;
}

const scenarios: Scenario[] = [
  { name: "users subgraph directly (baseline)", target: "users", query: USERS_PAGE },
  { name: "router, same query (1 fetch)", target: "router", query: USERS_PAGE },
  {
    name: "router, users + their products (2 fetches)",
    target: "router",
    query: "{ users(first: 20) { nodes { id name products { nodes { name price } } } } }",
  },
  { name: "router, products + creators (2 fetches)", target: "router", query: PRODUCTS_WITH_CREATORS },
];

await using system = await startSystem({ env: { users: { LOG_LEVEL: "error" }, products: { LOG_LEVEL: "error" } } });
// Enough data that each page is full: 20 users with a product each, created through the router.
await seedUsersWithProducts(system.routerUrl, system.routerUrl, 20);

const rows: { name: string; rps: number; p50: number; p99: number; errors: number }[] = [];
for (const scenario of scenarios) {
  const url = scenario.target === "users" ? `${system.url("users")}/graphql` : system.routerUrl;
  const body = JSON.stringify({ query: scenario.query });
  // Warm-up, then the measured run.
  await autocannon({
    url,
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    duration: 1,
    connections,
  });
  const result = await autocannon({
    url,
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    duration,
    connections,
  });
  rows.push({
    name: scenario.name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  });
}

const baseline = rows[0]?.rps ?? 1;
console.log(`\n${duration} s per scenario, ${connections} connections, Node ${process.version}\n`);
console.log(
  [
    "scenario".padEnd(44),
    "req/s".padStart(8),
    "vs baseline".padStart(12),
    "p50 ms".padStart(8),
    "p99 ms".padStart(8),
    "errors".padStart(7),
  ].join(" "),
);
for (const row of rows) {
  console.log(
    [
      row.name.padEnd(44),
      row.rps.toFixed(0).padStart(8),
      `${(row.rps / baseline).toFixed(2)}x`.padStart(12),
      String(row.p50).padStart(8),
      String(row.p99).padStart(8),
      String(row.errors).padStart(7),
    ].join(" "),
  );
}
