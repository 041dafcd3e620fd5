/**
 * The router's own overhead: throughput and latency of the running system, as ratios against a
 * baseline measured in the same run: the users subgraph queried directly. Shows what the router's
 * query planning and the cross-subgraph joins cost, and (with the options below) what its
 * protections, logs, metrics and tracing cost. Starts its own processes on free ports of 127.0.0.1.
 * (`npm run bench` races the router against other gateways: scripts/bench.ts.)
 *
 *   npm run bench:overhead [-- --duration 5 --connections 10 --protections on|off|both --observability on|logs|both --rounds 3]
 *
 * --protections on (default): the system as it runs, bearer-token checks, rate limit, operation
 *   limits and signed subgraph requests included; the baseline signs each request afresh, as the
 *   router does (a signature is good for one request).
 * --protections off: every service with PROTECTIONS=off (development only): none of that.
 * --protections both: the "on" table, then a second system with PROTECTIONS=off, raced against the
 *   first on every scenario in alternating rounds (medians): what the protections cost. Then a third
 *   system, protected at the router only (its subgraphs skip the signature check), raced against the
 *   unprotected one: the router's own part of that cost.
 * --observability both: after the table, a system with request logs and metrics off
 *   (LOG_REQUESTS=off, METRICS=off; tracing is off unless configured) raced against the system as it
 *   runs: what logging, metrics and tracing-off cost; then a system whose router alone logs and
 *   counts nothing, against the same: the router's own part of that cost. Then a system exporting
 *   traces (OTLP/HTTP to a sink in this process that reads and drops them) raced against the system
 *   as it runs: what tracing on costs, every request recorded, then 10 % of them. All with
 *   protections on.
 * --observability logs: only the logs and metrics races.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  type Contender,
  PRODUCTS_WITH_CREATORS,
  race,
  type Standing,
  seedUsersWithProducts,
  throughRouter,
  USERS_PAGE,
} from "@supergraph/benchmarks";
import { bearer, postGraphQL, type System, signedHeaders, startSystem } from "@supergraph/testing";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "5" },
    connections: { type: "string", default: "10" },
    protections: { type: "string", default: "on" },
    observability: { type: "string", default: "on" },
    rounds: { type: "string", default: "3" },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const rounds = Number(values.rounds);
const protections = values.protections;
const observability = values.observability;
if (
  !(duration > 0 && duration <= 60) ||
  !(connections > 0 && connections <= 200) ||
  !(Number.isInteger(rounds) && rounds >= 1 && rounds <= 20) ||
  (protections !== "on" && protections !== "off" && protections !== "both") ||
  (observability !== "on" && observability !== "logs" && observability !== "both") ||
  (observability !== "on" && protections === "off")
) {
  console.error(
    "--duration must be 1-60 seconds, --connections 1-200, --rounds 1-20, --protections on, off or both, --observability on, logs or both (with protections on).",
  );
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

/**
 * A system under measurement: protections on or off everywhere, or on at the router only ("router
 * only": its subgraphs skip the signature check), which isolates the router's own part of the cost.
 */
interface Measured {
  label:
    | "on"
    | "off"
    | "router only"
    | "logs+metrics off"
    | "logs+metrics off at the router"
    | "tracing on"
    | "tracing 10%";
  system: System;
}

/**
 * Starts a system with protections on, seeded through its router as clients do (20 users, each
 * signed in to create a product), or with them off over `seeded`'s database files (with PROTECTIONS=off
 * a subgraph trusts no identity, so nothing could create a product there; both systems then serve
 * the very same data, as replicas of a subgraph share one database).
 */
async function startMeasured(label: Measured["label"], seeded?: System): Promise<Measured> {
  // No request lines, no metrics: what logging and metrics cost is what a system without them gains.
  const quiet = { LOG_REQUESTS: "off", METRICS: "off" };
  // Request lines are info: the system as it runs logs them (LOG_LEVEL info is the default).
  const observe = {
    LOG_LEVEL: "info",
    ...(label === "logs+metrics off" ? quiet : {}),
    ...(label === "tracing on" || label === "tracing 10%" ? { OTEL_EXPORTER_OTLP_ENDPOINT: await traceSink() } : {}),
    ...(label === "tracing 10%" ? { OTEL_TRACES_SAMPLER_ARG: "0.1" } : {}),
  };
  const protectionsOff = label === "off" || label === "router only";
  const offAtRouter: Record<string, string> = label === "off" ? { PROTECTIONS: "off" } : {};
  const off: Record<string, string> = protectionsOff ? { PROTECTIONS: "off" } : {};
  const database = (name: string): Record<string, string> =>
    seeded ? { DATABASE_FILE: join(seeded.dataDir, `${name}.db`) } : {};
  const system = await startSystem({
    env: {
      users: { ...observe, ...off, ...database("users") },
      products: { ...observe, ...off, ...database("products") },
      // The rate limiter runs (its cost is measured) but never refuses: every request comes from 127.0.0.1.
      router: {
        ...observe,
        ...(label === "logs+metrics off at the router" ? quiet : {}),
        ...offAtRouter,
        ROUTER_RATE_LIMIT__REQUESTS: "100000000",
      },
    },
  });
  if (!seeded) {
    try {
      await seedUsersWithProducts(throughRouter(system.routerUrl), throughRouter(system.routerUrl), 20);
    } catch (error) {
      await system.shutdown();
      throw error;
    }
  }
  return { label, system };
}

/** What the trace sink received: OTLP export requests and their bytes. */
const sunk = { requests: 0, bytes: 0 };
let sinkUrl: string | undefined;

/** An OTLP/HTTP endpoint in this process that reads every export and drops it (a collector that costs the services nothing). */
async function traceSink(): Promise<string> {
  if (sinkUrl) return sinkUrl;
  const server = createServer((request, response) => {
    request.on("data", (chunk: Buffer) => {
      sunk.bytes += chunk.length;
    });
    request.on("end", () => {
      sunk.requests++;
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  server.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  server.unref();
  sinkUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return sinkUrl;
}

/**
 * A signed-in client's token, sent to the router by every contender (with protections off the
 * router ignores it): the router's measured work includes checking it. The user owns none of the
 * data read, so both systems give the same answers (no email is shown to it).
 */
const token = await bearer("1000000", [], { expiresIn: "2h" });

/** Where a scenario's requests go on `measured`: to the users subgraph, signed afresh each time. */
function contender({ label, system }: Measured, scenario: Scenario): Contender {
  const direct = scenario.target === "users";
  return {
    name: label === "on" || label === "off" || label === "router only" ? `protections ${label}` : label,
    url: direct ? `${system.url("users")}/graphql` : system.routerUrl,
    pid: system.pid(direct ? "users" : "router") ?? 0,
    ...(direct ? {} : { headers: token }),
    // Both systems get the same requests, so the load generator does the same work for each: a
    // subgraph with protections off ignores the signature.
    ...(direct ? { freshHeaders: (body: string) => signedHeaders(body) } : {}),
  };
}

/** The one answer every contender must give before its speed means anything: full data, no errors, the same. */
async function checkAnswers(scenario: Scenario, contenders: readonly Contender[]): Promise<void> {
  const answers = await Promise.all(
    contenders.map((c) =>
      postGraphQL(c.url, scenario.query, { sign: c.freshHeaders !== undefined, headers: c.headers ?? {} }),
    ),
  );
  const [first] = answers;
  if (!first?.data || first.errors || answers.some((answer) => JSON.stringify(answer) !== JSON.stringify(first))) {
    throw new Error(`${scenario.name}: wrong or differing answers: ${JSON.stringify(answers).slice(0, 600)}`);
  }
}

const raceOptions = (query: string, raceRounds: number) => ({
  body: JSON.stringify({ query }),
  rounds: raceRounds,
  durationSeconds: duration,
  warmupSeconds: 1,
  connections,
});

const pad = (cells: string[], widths: number[]) =>
  cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join(" ");

/** The classic table: each scenario on one system (warm-up, one measured run), against the baseline. */
async function baselineTable(measured: Measured): Promise<void> {
  const rows: { name: string; standing: Standing }[] = [];
  for (const scenario of scenarios) {
    const target = contender(measured, scenario);
    await checkAnswers(scenario, [target]);
    const [standing] = await race([target], raceOptions(scenario.query, 1));
    if (standing) rows.push({ name: scenario.name, standing });
  }
  const baseline = rows[0]?.standing.rps || 1;
  const widths = [44, 8, 12, 8, 8, 11, 7];
  console.log(`\nProtections ${measured.label}: ${duration} s per scenario, ${connections} connections\n`);
  console.log(pad(["scenario", "req/s", "vs baseline", "p50 ms", "p99 ms", "cpu ms/req", "errors"], widths));
  for (const { name, standing } of rows) {
    console.log(
      pad(
        [
          name,
          standing.rps.toFixed(0),
          `${(standing.rps / baseline).toFixed(2)}x`,
          String(standing.p50),
          String(standing.p99),
          standing.cpuMsPerRequest.toFixed(3),
          String(standing.errors),
        ],
        widths,
      ),
    );
  }
}

/**
 * Each scenario raced on both systems in alternating rounds: throughput of `on` over `off`, and what
 * the difference costs (protections; or logging and metrics; or tracing).
 */
async function costTable(on: Measured, off: Measured, title: string): Promise<void> {
  const rows: string[][] = [];
  // The baseline calls a subgraph directly: with protections at the router only, there is nothing to compare.
  for (const scenario of on.label === "router only" ||
  on.label.startsWith("tracing") ||
  off.label.startsWith("logs+metrics off")
    ? scenarios.filter((s) => s.target === "router")
    : scenarios) {
    const contenders = [contender(on, scenario), contender(off, scenario)];
    await checkAnswers(scenario, contenders);
    const [withThem, without] = await race(contenders, {
      ...raceOptions(scenario.query, rounds),
      onSample: (name, round, sample) =>
        process.stderr.write(`${scenario.name} | ${name} round ${round}: ${sample.rps.toFixed(0)} req/s\n`),
    });
    if (!withThem || !without) continue;
    const ratio = without.rps > 0 ? withThem.rps / without.rps : 0;
    rows.push([
      scenario.name.replace(" (baseline)", " (signed vs not)"),
      withThem.rps.toFixed(0),
      without.rps.toFixed(0),
      `${ratio.toFixed(2)}x`,
      `${((1 - ratio) * 100).toFixed(0)}%`,
      `${withThem.p99}/${without.p99}`,
      `${withThem.cpuMsPerRequest.toFixed(3)}/${without.cpuMsPerRequest.toFixed(3)}`,
      String(withThem.errors + without.errors),
    ]);
  }
  const widths = [44, 9, 10, 7, 6, 11, 14, 7];
  console.log(
    `\n${title}: ${rounds} alternating rounds of ${duration} s per system, ${connections} connections; medians.`,
  );
  console.log(
    `cost = throughput lost with ${on.label} against ${off.label} (negative: within the noise); cpu = the measured process (router, or users for the baseline).\n`,
  );
  console.log(pad(["scenario", "on req/s", "off req/s", "on/off", "cost", "p99 ms", "cpu ms/req", "errors"], widths));
  for (const row of rows) console.log(pad(row, widths));
}

const started: Measured[] = [];
try {
  console.log(`Node ${process.version}; starting ${protections === "on" ? "the system" : "two systems"} ...`);
  // The protections-on system always starts: it seeds the data (the other serves the same files).
  const on = await startMeasured("on");
  started.push(on);
  const off = protections === "on" ? undefined : await startMeasured("off", on.system);
  if (off) started.push(off);
  await baselineTable(protections === "off" && off ? off : on);
  if (protections === "both" && off) {
    await costTable(on, off, "Protections on vs off");
    // The router's own part: the same race against a system whose only protections are the router's.
    const routerOnly = await startMeasured("router only", on.system);
    started.push(routerOnly);
    await costTable(routerOnly, off, "Protections at the router only (its subgraphs skip the signature check) vs off");
  }
  if (observability !== "on") {
    const quiet = await startMeasured("logs+metrics off", on.system);
    started.push(quiet);
    await costTable(on, quiet, "Request logs and metrics on (tracing off, as it runs) vs off, in every service");
    // The router's own part: the same race against a system whose router alone logs and counts nothing.
    const quietRouter = await startMeasured("logs+metrics off at the router", on.system);
    started.push(quietRouter);
    await costTable(
      on,
      quietRouter,
      "Request logs and metrics on vs off at the router only (the subgraphs log and count in both)",
    );
  }
  if (observability === "both") {
    const traced = await startMeasured("tracing on", on.system);
    started.push(traced);
    await costTable(traced, on, "Tracing on (every request exported over OTLP/HTTP) vs off");
    const sampled = await startMeasured("tracing 10%", on.system);
    started.push(sampled);
    await costTable(sampled, on, "Tracing on, 10 % of requests recorded (OTEL_TRACES_SAMPLER_ARG=0.1) vs off");
    console.log(`\nThe trace sink received ${sunk.requests} OTLP exports, ${(sunk.bytes / 1e6).toFixed(1)} MB.`);
  }
} finally {
  // The last started first: the first system's shutdown removes the database files they share.
  for (const { system } of started.reverse()) await system.shutdown();
}
