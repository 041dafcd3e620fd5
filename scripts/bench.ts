/**
 * The gateway race: our router (as shipped, and with PROTECTIONS=off) against a plain @apollo/gateway
 * and Hive Gateway (default, and its benchmark configuration), in front of the same subgraphs on a
 * generated dataset, in alternating rounds at 1 and 50 connections; a report per workload (unique,
 * hot, skewed), then our router alone on writes. Writes bench-results/<time>.{md,json} and
 * bench-results/latest.md, and prints the Markdown. Needs `npm run build` (`npm run bench` runs it).
 * See internal/benchmarks/README.md.
 *
 *   npm run bench
 *   npm run bench -- --quick
 *   npm run bench -- [--rounds 3] [--duration 4] [--warmup 1] [--connections 1,50]
 *                    [--gateways ours,ours-off,plain,hive,hive-bench] [--workloads unique,hot,skewed]
 *                    [--users 2000] [--products 10000] [--no-writes] [--router-env KEY=VALUE,...]
 *   npm run bench -- --soak [--minutes 5]
 *
 * --quick: 1 round of 1 s, 0.5 s warm-up (under 2 minutes; indicative only).
 * --router-env: more environment for our router, e.g. ROUTER_DEDUPLICATION__OPERATIONS=false to
 *   measure what deduplication buys (the report lists it with the router's overrides).
 * --soak: our router alone on the unique mix for --minutes (default 5), reporting its memory growth.
 * `npm run bench:overhead` measures the router against a subgraph queried directly instead.
 */
import { parseArgs } from "node:util";
import {
  GATEWAY_IDS,
  type GatewayBenchOptions,
  type GatewayId,
  READ_WORKLOADS,
  type ReadWorkload,
  runGatewayBench,
} from "@supergraph/benchmarks";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    soak: { type: "boolean", default: false },
    minutes: { type: "string", default: "5" },
    rounds: { type: "string" },
    duration: { type: "string" },
    warmup: { type: "string" },
    connections: { type: "string", default: "1,50" },
    gateways: { type: "string", default: GATEWAY_IDS.join(",") },
    workloads: { type: "string", default: READ_WORKLOADS.join(",") },
    users: { type: "string", default: "2000" },
    products: { type: "string", default: "10000" },
    "no-writes": { type: "boolean", default: false },
    "router-env": { type: "string", default: "" },
  },
});

const list = (value: string) => value.split(",").map((item) => item.trim());
const number = (value: string | undefined, fallback: number) => (value === undefined ? fallback : Number(value));
const gateways = list(values.gateways);
const workloads = list(values.workloads);
const connections = list(values.connections).map(Number);
const routerEnv = Object.fromEntries(
  list(values["router-env"])
    .filter(Boolean)
    .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
);
const options: GatewayBenchOptions = {
  quick: values.quick,
  rounds: number(values.rounds, values.quick ? 1 : 3),
  durationSeconds: number(values.duration, values.quick ? 1 : 4),
  warmupSeconds: number(values.warmup, values.quick ? 0.5 : 1),
  connections,
  gateways: gateways as GatewayId[],
  workloads: workloads as ReadWorkload[],
  dataset: { users: Number(values.users), products: Number(values.products) },
  writes: !values["no-writes"],
  routerEnv,
  ...(values.soak ? { soakMinutes: Number(values.minutes) } : {}),
};
const problems = [
  ...gateways.filter((id) => !(GATEWAY_IDS as readonly string[]).includes(id)).map((id) => `unknown gateway ${id}`),
  ...workloads
    .filter((id) => !(READ_WORKLOADS as readonly string[]).includes(id))
    .map((id) => `unknown workload ${id}`),
  ...(connections.every((count) => Number.isInteger(count) && count >= 1 && count <= 500)
    ? []
    : ["--connections: whole numbers from 1 to 500"]),
  ...(Number.isInteger(options.rounds) && options.rounds >= 1 && options.rounds <= 20 ? [] : ["--rounds: 1 to 20"]),
  ...(options.durationSeconds > 0 && options.durationSeconds <= 120 ? [] : ["--duration: seconds, up to 120"]),
  ...(options.warmupSeconds >= 0 && options.warmupSeconds <= 60 ? [] : ["--warmup: seconds, 0 to 60"]),
  ...(options.dataset && options.dataset.users >= 1 && options.dataset.products >= 1
    ? []
    : ["--users, --products: at least 1"]),
  ...Object.keys(routerEnv)
    .filter((key) => !/^[A-Z][A-Z0-9_]*$/.test(key))
    .map((key) => `--router-env: ${key || "(empty)"} is not an environment variable name (KEY=VALUE,...)`),
  ...(options.soakMinutes === undefined || options.soakMinutes > 0 ? [] : ["--minutes: more than 0"]),
];
if (problems.length > 0) {
  console.error(
    `${problems.join("\n")}\nGateways: ${GATEWAY_IDS.join(", ")}. Workloads: ${READ_WORKLOADS.join(", ")}.`,
  );
  process.exit(2);
}
const { markdown, files } = await runGatewayBench(options);
console.log(markdown);
console.log(`Written: ${files.markdown}, ${files.json}, ${files.latest}`);
