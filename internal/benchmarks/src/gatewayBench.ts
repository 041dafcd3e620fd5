/**
 * The gateway race (`npm run bench`): our router against a plain @apollo/gateway and Hive Gateway
 * (default and benchmark configurations), in front of the same subgraph processes on the same
 * generated dataset and the same supergraph, in alternating rounds, the load coming from a process
 * of its own. Reports throughput, latency, errors, subgraph requests and store queries per request
 * (counted at the subgraphs), the gateway's CPU time per request and peak memory, each as a ratio
 * to the plain gateway; then our router alone on a write mix; optionally a soak of our router.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { GENERATED_ID_BASE } from "@supergraph/subgraph-kit";
import { bearer, REPO_ROOT, scrapeMetrics } from "@supergraph/testing";
import { type AnswerProblem, compareAnswers, describeProblems } from "./answers.js";
import { cpuSeconds, machineInfo, memoryMiB, type Pinning, pinProcesses, resetPeakMemory } from "./cpu.js";
import {
  GATEWAY_IDS,
  GATEWAY_NAMES,
  GATEWAY_SETUPS,
  type GatewayId,
  OUR_ROUTER_OVERRIDES,
  type Server,
  type Subgraphs,
  startGateway,
  startSubgraphs,
  writeSupergraph,
} from "./gateways.js";
import {
  type BenchRequest,
  type DatasetSize,
  type OwnedProduct,
  READ_WORKLOADS,
  type ReadWorkload,
  readRequests,
  WORKLOAD_TITLES,
  writeMix,
} from "./gatewayWorkloads.js";
import { type LoadGenerator, type LoadResult, startLoadGenerator } from "./loadClient.js";
import { median } from "./race.js";
import {
  addRatios,
  type BenchReport,
  type Figures,
  formatReport,
  type Row,
  type SoakReport,
  summarize,
} from "./report.js";

export interface GatewayBenchOptions {
  /** The gateways raced, in round order. Default: all (GATEWAY_IDS); ratios need `plain`. */
  gateways?: readonly GatewayId[];
  /** Default: all (unique, hot, skewed). */
  workloads?: readonly ReadWorkload[];
  /** Connection counts of the load generator. Default: [1, 50]. */
  connections?: readonly number[];
  rounds: number;
  durationSeconds: number;
  /** Unmeasured load before each workload and connection count's rounds, per gateway; 0: none. */
  warmupSeconds: number;
  /** The generated dataset's size. Default: 2000 users, 10000 products. */
  dataset?: DatasetSize;
  /** Seed of the request lists. Default: 1. */
  seed?: number;
  /** Measure our router alone on the write mix after the race (it needs `ours`). Default: true. */
  writes?: boolean;
  /** Instead of the race: our router alone on the unique mix for this many minutes (RSS growth). */
  soakMinutes?: number;
  /** Folder of the report files (created). Default: bench-results/ at the repository root. */
  outDir?: string;
  /** Marks the report as a quick run. Default: false. */
  quick?: boolean;
  /**
   * Stop unless the subgraphs serve the generated dataset (SEED_DATASET=generated) and accept
   * unsigned requests (BENCHMARK_ACCEPT_UNSIGNED=1). Default: true.
   */
  requireDataset?: boolean;
  /** More environment for the subgraphs. Default: none. */
  subgraphEnv?: Record<string, string>;
  /**
   * More environment for our router, on top of OUR_ROUTER_OVERRIDES, e.g.
   * `{ ROUTER_DEDUPLICATION__OPERATIONS: "false" }` to measure what a feature buys. Default: none.
   */
  routerEnv?: Record<string, string>;
  /** Progress lines. Default: stderr. */
  log?: (line: string) => void;
}

/** The report, and where its files were written. */
export interface GatewayBenchResult {
  report: BenchReport;
  markdown: string;
  files: { markdown: string; json: string; latest: string };
}

/** Requests per workload whose answers are checked equal across gateways before timing. */
const CHECKED_REQUESTS = 30;
/** Soak: load runs in chunks of this many seconds, the router's memory read after each. */
const SOAK_CHUNK_SECONDS = 30;
/** Soak: unmeasured load first, so that the heap has grown to its working size. */
const SOAK_WARMUP_SECONDS = 30;
const DEFAULT_DATASET: DatasetSize = { users: 2000, products: 10_000 };

/** How long a run of these options takes, roughly, in seconds (printed at start). */
export function plannedSeconds(options: GatewayBenchOptions): number {
  const startup = 25;
  const perRun = 0.5; // scrapes and messages around each run
  const run = (gateways: number) =>
    gateways * (options.warmupSeconds + perRun + options.rounds * (options.durationSeconds + perRun));
  if (options.soakMinutes) return startup + SOAK_WARMUP_SECONDS + options.soakMinutes * 60;
  const gateways = (options.gateways ?? GATEWAY_IDS).length;
  const workloads = (options.workloads ?? READ_WORKLOADS).length;
  const connections = (options.connections ?? [1, 50]).length;
  const writes = options.writes !== false && (options.gateways ?? GATEWAY_IDS).includes("ours");
  return startup + workloads * connections * run(gateways) + (writes ? connections * run(1) : 0);
}

/** Sums of the subgraphs' counters: GraphQL requests served and store calls made. */
async function subgraphCounters(subgraphs: Subgraphs): Promise<{ requests: number; storeQueries: number }> {
  const scrapes = await Promise.all(
    Object.values(subgraphs).map((server) => scrapeMetrics(`${server.origin}/metrics`)),
  );
  return {
    requests: scrapes.reduce((sum, scrape) => sum + scrape.value("graphql_requests_total"), 0),
    storeQueries: scrapes.reduce((sum, scrape) => sum + scrape.value("subgraph_store_query_duration_seconds_count"), 0),
  };
}

async function send(
  url: string,
  request: BenchRequest,
  headers: Record<string, string>,
): Promise<{ status: number; body: unknown; bytes: number }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers, ...request.headers },
    body: request.body,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  const bytes = Buffer.byteLength(text);
  try {
    return { status: response.status, body: JSON.parse(text), bytes };
  } catch {
    return { status: response.status, body: text.slice(0, 300), bytes };
  }
}

/** A labelled gateway of the race. */
interface Contender {
  id: GatewayId;
  server: Server;
}

/** Names the operation of a request body, for messages. */
const describe = (request: BenchRequest) => {
  const { query, variables } = JSON.parse(request.body) as { query: string; variables?: unknown };
  return `${/query (\w+)/.exec(query)?.[1] ?? "the operation"} ${JSON.stringify(variables ?? {})}`;
};

/**
 * Checks that every gateway gives the same good answer to each request of `requests`; throws with a
 * diff otherwise. Returns the size of the largest answer, in bytes.
 */
async function checkAnswers(
  contenders: readonly Contender[],
  requests: readonly BenchRequest[],
  headers: Record<string, string>,
): Promise<number> {
  // The plain gateway is the baseline of the comparison when it runs.
  const ordered = [...contenders].sort((a, b) => Number(b.id === "plain") - Number(a.id === "plain"));
  let largest = 0;
  // A few requests at a time, each sent to every gateway at once.
  for (let start = 0; start < requests.length; start += 5) {
    await Promise.all(
      requests.slice(start, start + 5).map(async (request) => {
        const answers = await Promise.all(
          ordered.map(async ({ server }) => ({
            gateway: server.name,
            ...(await send(server.graphqlUrl, request, headers)),
          })),
        );
        for (const answer of answers) largest = Math.max(largest, answer.bytes);
        const problems: AnswerProblem[] = compareAnswers(answers);
        if (problems.length > 0) throw new Error(describeProblems(describe(request), problems));
      }),
    );
  }
  return largest;
}

/**
 * Checks that the subgraphs serve the generated dataset to an unsigned caller: the peers cannot
 * sign, so without BENCHMARK_ACCEPT_UNSIGNED and SEED_DATASET=generated there is nothing to race on.
 */
async function checkDataset(subgraphs: Subgraphs, dataset: DatasetSize): Promise<string | undefined> {
  const users = subgraphs.users;
  const products = subgraphs.products;
  if (!users || !products) return "the race needs the users and products subgraphs";
  const lastUser = String(GENERATED_ID_BASE + dataset.users);
  const lastProduct = String(GENERATED_ID_BASE + dataset.products);
  const userAnswer = await send(
    users.graphqlUrl,
    { body: JSON.stringify({ query: "query($id: ID!) { user(id: $id) { id } }", variables: { id: lastUser } }) },
    {},
  );
  const productAnswer = await send(
    products.graphqlUrl,
    { body: JSON.stringify({ query: "query($id: ID!) { product(id: $id) { id } }", variables: { id: lastProduct } }) },
    {},
  );
  for (const [name, answer] of [
    ["users", userAnswer],
    ["products", productAnswer],
  ] as const) {
    if (answer.status !== 200) {
      return `the ${name} subgraph refuses an unsigned request (HTTP ${answer.status}): does it support BENCHMARK_ACCEPT_UNSIGNED=1? ${JSON.stringify(answer.body).slice(0, 200)}`;
    }
  }
  const found = (answer: { body: unknown }, field: string) =>
    (answer.body as { data?: Record<string, unknown> | null }).data?.[field] != null;
  if (!found(userAnswer, "user") || !found(productAnswer, "product")) {
    return `the subgraphs do not serve the generated dataset (user ${lastUser}, product ${lastProduct}): do they support SEED_DATASET=generated?`;
  }
  return undefined;
}

/** Throws, with its last output, when `server`'s process has exited. */
function stillRunning(server: Server): void {
  if (!server.process.running) {
    throw new Error(`${server.name} exited; its last output:\n${server.process.output().slice(-4000)}`);
  }
}

/** Products with their creators, read through our router: whom the write mix's updates are signed as. */
async function ownedProducts(server: Server, headers: Record<string, string>): Promise<OwnedProduct[]> {
  const owned: OwnedProduct[] = [];
  let after: string | null = null;
  for (let page = 0; page < 3; page++) {
    const answer = await send(
      server.graphqlUrl,
      {
        body: JSON.stringify({
          query:
            "query BenchOwners($after: String) { products(first: 100, after: $after) { nodes { id createdBy { id } } pageInfo { endCursor } } }",
          variables: { after },
        }),
      },
      headers,
    );
    const products = (
      answer.body as {
        data?: {
          products: {
            nodes: { id: string; createdBy: { id: string } | null }[];
            pageInfo: { endCursor: string | null };
          };
        };
      }
    ).data?.products;
    if (!products)
      throw new Error(`listing products for the write mix failed: ${JSON.stringify(answer.body).slice(0, 300)}`);
    for (const node of products.nodes) {
      if (node.createdBy) owned.push({ productId: node.id, ownerId: node.createdBy.id });
    }
    after = products.pageInfo.endCursor;
    if (!after) break;
  }
  return owned;
}

/** Waits (at most 3 s) until the subgraphs' request counter stops moving: the requests still in flight when a run stopped are done. */
async function settled(subgraphs: Subgraphs): Promise<{ requests: number; storeQueries: number }> {
  let last = await subgraphCounters(subgraphs);
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    await sleep(50);
    const now = await subgraphCounters(subgraphs);
    if (now.requests === last.requests && now.storeQueries === last.storeQueries) return now;
    last = now;
  }
  return last;
}

/** What a run needs: the processes, and the request lists written for the load generator. */
interface Bench {
  subgraphs: Subgraphs;
  loadGenerator: LoadGenerator;
  /** Common headers of each request list file. */
  headers: Map<string, Record<string, string>>;
}

/**
 * One measured run of one gateway: the load generator's figures, and what the processes counted
 * until the requests still in flight at the end were done. Per-request figures are per request
 * sent (those in flight at the end were sent, and cost the gateway and the subgraphs too).
 */
async function measure(
  { subgraphs, loadGenerator, headers }: Bench,
  server: Server,
  requestsFile: string,
  connections: number,
  seconds: number,
): Promise<Figures> {
  for (const running of [server, ...Object.values(subgraphs)]) stillRunning(running);
  const before = await subgraphCounters(subgraphs);
  const peakReset = resetPeakMemory(server.pid);
  const others = [...Object.values(subgraphs).map((subgraph) => subgraph.pid), loadGenerator.pid];
  const othersCpu = () => others.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const othersBefore = othersCpu();
  const cpuBefore = cpuSeconds(server.pid);
  const result: LoadResult = await loadGenerator.run({
    url: server.graphqlUrl,
    requestsFile,
    headers: headers.get(requestsFile) ?? {},
    connections,
    durationSeconds: seconds,
  });
  stillRunning(server);
  const after = await settled(subgraphs);
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  const cpuOthers = othersCpu() - othersBefore;
  const memory = memoryMiB(server.pid);
  const sent = Math.max(1, result.sent, result.requests);
  return {
    rps: result.rps,
    p50: result.p50,
    p90: result.p90,
    p99: result.p99,
    errors: result.transportErrors + result.non2xx + result.graphqlErrors,
    requests: result.requests,
    subgraphRequestsPerRequest: (after.requests - before.requests) / sent,
    storeQueriesPerRequest: (after.storeQueries - before.storeQueries) / sent,
    cpuMsPerRequest: (cpu * 1000) / sent,
    peakRssMiB: peakReset ? memory.peak : memory.rss,
    gatewayCpuPercent: (cpu / result.seconds) * 100,
    othersCpuPercent: (cpuOthers / result.seconds) * 100,
  };
}

/** Alternating rounds (A B C A B C ...) of `contenders` on one request list and connection count, after a warm-up each: a row each. */
async function raceRows(
  bench: Bench,
  options: GatewayBenchOptions,
  log: (line: string) => void,
  workload: string,
  file: string,
  connections: number,
  contenders: readonly Contender[],
): Promise<Row[]> {
  if (options.warmupSeconds > 0) {
    for (const { server } of contenders) await measure(bench, server, file, connections, options.warmupSeconds);
  }
  const rounds = new Map<GatewayId, Figures[]>(contenders.map(({ id }) => [id, []]));
  for (let round = 1; round <= options.rounds; round++) {
    for (const { id, server } of contenders) {
      const figures = await measure(bench, server, file, connections, options.durationSeconds);
      rounds.get(id)?.push(figures);
      log(
        `${workload} × ${connections} | ${GATEWAY_NAMES[id]} round ${round}/${options.rounds}: ${figures.rps.toFixed(0)} req/s, p99 ${figures.p99} ms, ${figures.errors} errors, ${figures.subgraphRequestsPerRequest.toFixed(2)} subgraph req/req`,
      );
    }
  }
  return contenders.map(({ id }) =>
    summarize(rounds.get(id) ?? [], { workload, connections, gateway: id, gatewayName: GATEWAY_NAMES[id] }),
  );
}

/**
 * Our router alone on the unique mix for `minutes`, in chunks of load; its resident memory is read
 * every second. Garbage collection makes single readings swing, so the start and the end are the
 * medians of the first and the last chunk's readings.
 */
async function soakRun(
  bench: Bench,
  server: Server,
  file: string,
  { minutes, connections, warmupSeconds }: { minutes: number; connections: number; warmupSeconds: number },
  log: (line: string) => void,
): Promise<SoakReport> {
  log(`Soak: ${minutes} min of the unique mix at ${connections} connections, after a ${warmupSeconds} s warm-up ...`);
  await measure(bench, server, file, connections, warmupSeconds);
  const samples: SoakReport["samples"] = [];
  const chunks: { figures: Figures; readings: number[] }[] = [];
  const total = minutes * 60;
  let elapsed = 0;
  while (elapsed < total) {
    const seconds = Math.min(SOAK_CHUNK_SECONDS, total - elapsed);
    const readings: number[] = [];
    const reader = setInterval(() => readings.push(memoryMiB(server.pid).rss), 1000);
    const figures = await measure(bench, server, file, connections, seconds).finally(() => clearInterval(reader));
    readings.push(memoryMiB(server.pid).rss);
    elapsed += seconds;
    chunks.push({ figures, readings });
    samples.push({ atSeconds: elapsed, rssMiB: median(readings), rps: figures.rps });
    log(
      `soak ${Math.round(elapsed)} s: ${figures.rps.toFixed(0)} req/s, RSS ${median(readings).toFixed(0)} MiB (median)`,
    );
  }
  const rssStart = samples[0]?.rssMiB ?? 0;
  const rssEnd = samples.at(-1)?.rssMiB ?? rssStart;
  const answered = chunks.reduce((sum, chunk) => sum + chunk.figures.requests, 0);
  return {
    minutes,
    connections,
    rssStartMiB: rssStart,
    rssEndMiB: rssEnd,
    rssMaxMiB: Math.max(...chunks.flatMap((chunk) => chunk.readings)),
    growthPercent: rssStart > 0 ? ((rssEnd - rssStart) / rssStart) * 100 : 0,
    samples,
    rps: answered / Math.max(1, elapsed),
    errors: chunks.reduce((sum, chunk) => sum + chunk.figures.errors, 0),
  };
}

/** A signed-in user's `authorization`, minted once per user. */
function tokens(): (userId: string) => Promise<Record<string, string>> {
  const minted = new Map<string, Record<string, string>>();
  return async (userId) => {
    let token = minted.get(userId);
    if (!token) {
      token = await bearer(userId, [], { expiresIn: "2h" });
      minted.set(userId, token);
    }
    return token;
  };
}

const NOTES = [
  "errors = connection errors, timeouts, non-2xx answers, and 2xx answers holding GraphQL errors. Before timing, every gateway's answers to the first 30 requests of each read workload (the one request of hot) were checked equal (data and errors).",
  "subgraph req/req and store q/req are counted at the subgraphs (graphql_requests_total and subgraph_store_query_duration_seconds_count on their /metrics) around each run, per request sent; they include our routers' health probes (one { __typename } per subgraph every 5 s each), negligible against the load.",
  "CPU ms/req: the gateway process's CPU time (user + system) over the run, per request sent; peak RSS: its resident memory high-water mark during the run. CPU % gateway / others: how busy the gateway's process was during the run, and the subgraphs and the load generator together, in % of one CPU; a gateway well under 100 % was not the bottleneck.",
  "Our router's operation limits (depth, aliases, root fields, directives, tokens, cost) stay at router.yaml's defaults: they admit every operation of the race (the answers checked before timing went through them), so none is raised.",
  "Every gateway runs in front of the same subgraph processes, which accept unsigned requests (BENCHMARK_ACCEPT_UNSIGNED=1, benchmark only) since the peers cannot sign; our router still signs, and the subgraphs verify its signatures.",
];

/** Runs the race (or the soak), writes the report files, stops every process it started. */
export async function runGatewayBench(options: GatewayBenchOptions): Promise<GatewayBenchResult> {
  const startedAt = new Date();
  const write = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const log = (line: string) =>
    write(`[${String(Math.round((Date.now() - startedAt.getTime()) / 1000)).padStart(4)} s] ${line}`);
  const ids: readonly GatewayId[] = options.soakMinutes ? ["ours"] : (options.gateways ?? GATEWAY_IDS);
  const workloads: readonly ReadWorkload[] = options.soakMinutes ? [] : (options.workloads ?? READ_WORKLOADS);
  const connections = [...(options.connections ?? [1, 50])];
  const dataset = options.dataset ?? DEFAULT_DATASET;
  const seed = options.seed ?? 1;
  const pinning: Pinning = pinProcesses();
  const pinningDescription = pinning.available
    ? `each gateway on CPU ${pinning.measured} (taskset); the subgraphs, the load generator and the harness on CPU ${pinning.others}.`
    : "none: taskset or a second CPU is missing, so the gateways, subgraphs and load generator share every CPU (noisier figures).";
  log(pinning.available ? `Pinning: ${pinningDescription}` : `WARNING: no CPU pinning: ${pinningDescription}`);
  const planned = plannedSeconds(options);
  log(`Planned: about ${(planned / 60).toFixed(1)} min (${Math.round(planned)} s).`);

  const workDir = mkdtempSync(join(tmpdir(), "bench-gateways-"));
  const stops: (() => Promise<void>)[] = [];
  const notes: string[] = [];
  let failed = true;
  try {
    log(`Starting the subgraphs on the generated dataset (${dataset.users} users, ${dataset.products} products) ...`);
    const subgraphs = await startSubgraphs(pinning, workDir, dataset, options.subgraphEnv);
    for (const server of Object.values(subgraphs)) stops.push(() => server.process.stop());
    const missing = await checkDataset(subgraphs, dataset);
    if (missing) {
      if (options.requireDataset !== false) throw new Error(missing);
      log(`WARNING: ${missing}`);
      notes.push(`Not on the generated dataset: ${missing}`);
    }
    const supergraphFile = join(workDir, "supergraph.graphql");
    writeSupergraph(supergraphFile, subgraphs);

    log(`Starting ${ids.map((id) => GATEWAY_NAMES[id]).join(", ")} ...`);
    const startedGateways = await Promise.allSettled(
      ids.map((id) =>
        startGateway(id, { pinning, supergraphFile, subgraphs, logDir: workDir, routerEnv: options.routerEnv ?? {} }),
      ),
    );
    for (const result of startedGateways) {
      if (result.status === "fulfilled") stops.push(() => result.value.process.stop());
    }
    const refused = startedGateways.find((result) => result.status === "rejected");
    if (refused) throw refused.reason;
    const contenders: Contender[] = startedGateways.map((result, index) => ({
      id: ids[index] as GatewayId,
      server: (result as PromiseFulfilledResult<Server>).value,
    }));

    const loadGenerator = await startLoadGenerator((command, args) => pinning.wrap(pinning.others, command, args));
    stops.push(() => loadGenerator.stop());
    const bench: Bench = { subgraphs, loadGenerator, headers: new Map() };
    const writeList = (name: string, requests: readonly BenchRequest[], headers: Record<string, string>) => {
      const file = join(workDir, `${name}.json`);
      writeFileSync(file, JSON.stringify(requests));
      bench.headers.set(file, headers);
      return file;
    };

    // Every read comes from one signed-in user who owns none of the data read (our router checks the
    // token; the peers ignore it), so every gateway gives the same answers.
    const readHeaders = await bearer("1000000", [], { expiresIn: "2h" });
    const rows: Row[] = [];
    const writes: Row[] = [];
    let soak: SoakReport | undefined;
    const ours = contenders.find(({ id }) => id === "ours");

    if (options.soakMinutes && ours) {
      const file = writeList("soak", readRequests("unique", { dataset, seed, length: 20_000 }), readHeaders);
      soak = await soakRun(
        bench,
        ours.server,
        file,
        {
          minutes: options.soakMinutes,
          connections: connections.at(-1) ?? 50,
          warmupSeconds: Math.max(SOAK_WARMUP_SECONDS, options.warmupSeconds),
        },
        log,
      );
    }
    for (const workload of workloads) {
      const requests = readRequests(workload, { dataset, seed, length: 20_000 });
      log(`Checking that every gateway gives the same answers (${workload}) ...`);
      const largest = await checkAnswers(contenders, requests.slice(0, CHECKED_REQUESTS), readHeaders);
      if (workload === "hot") notes.push(`The hot operation's answer is ${(largest / 1024).toFixed(0)} KB.`);
      const file = writeList(workload, requests, readHeaders);
      for (const count of connections)
        rows.push(...(await raceRows(bench, options, log, workload, file, count, contenders)));
    }
    addRatios(rows);
    if (!options.soakMinutes && options.writes !== false && ours) {
      // Last: the writes change the data the reads were checked on.
      const owned = await ownedProducts(ours.server, readHeaders);
      const file = writeList("writes", await writeMix({ dataset, owned, tokenOf: tokens(), seed }), {});
      for (const count of connections)
        writes.push(...(await raceRows(bench, options, log, "writes", file, count, [ours])));
    }

    const finishedAt = new Date();
    const report: BenchReport = {
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationSeconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
      machine: machineInfo(),
      pinning: {
        available: pinning.available,
        gatewayCpu: pinning.available ? pinning.measured : null,
        othersCpu: pinning.available ? pinning.others : null,
        description: pinningDescription,
      },
      settings: {
        quick: options.quick ?? false,
        rounds: options.rounds,
        durationSeconds: options.durationSeconds,
        warmupSeconds: options.warmupSeconds,
        connections,
        workloads: [...workloads],
        gateways: ids.map((id) => ({ id, name: GATEWAY_NAMES[id], setup: GATEWAY_SETUPS[id] })),
        dataset: { ...dataset, seed },
        routerOverrides: { ...OUR_ROUTER_OVERRIDES, ...options.routerEnv },
      },
      workloads: { ...WORKLOAD_TITLES },
      notes: [...notes, ...(soak ? [] : NOTES)],
      rows,
      writes,
      ...(soak ? { soak } : {}),
    };
    const markdown = formatReport(report);
    const outDir = options.outDir ?? join(REPO_ROOT, "bench-results");
    mkdirSync(outDir, { recursive: true });
    const stamp = report.startedAt.replace(/[:.]/g, "-");
    const files = {
      markdown: join(outDir, `${stamp}.md`),
      json: join(outDir, `${stamp}.json`),
      latest: join(outDir, "latest.md"),
    };
    writeFileSync(files.markdown, markdown);
    writeFileSync(files.json, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(files.latest, markdown);
    failed = false;
    return { report, markdown, files };
  } finally {
    await Promise.all(stops.reverse().map((stop) => stop()));
    // After a failure, the processes' logs stay for a look.
    if (failed) log(`The processes' logs are in ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  }
}
