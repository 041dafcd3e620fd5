/**
 * The gateway race's report: one row per workload, connection count and gateway (medians over the
 * rounds), each also as a ratio to the plain gateway; as JSON and as Markdown tables.
 */
import type { MachineInfo } from "./cpu.js";
import { median } from "./race.js";

/** What one measured run (or the medians of several) gives. */
export interface Figures {
  /** Answers per second. */
  rps: number;
  /** Latency percentiles, ms. */
  p50: number;
  p90: number;
  p99: number;
  /** Failed requests: connection errors, timeouts, non-2xx answers and 2xx answers with GraphQL errors. */
  errors: number;
  /** Answers received. */
  requests: number;
  /** GraphQL requests the subgraphs served per answer (counted at the subgraphs). */
  subgraphRequestsPerRequest: number;
  /** Store calls (database queries) the subgraphs made per answer. */
  storeQueriesPerRequest: number;
  /** CPU time of the gateway's process per answer, ms. */
  cpuMsPerRequest: number;
  /** The gateway's peak resident memory during the run, MiB. */
  peakRssMiB: number;
  /**
   * How busy the CPUs were during the run, in % of one CPU: the gateway's process, and everything
   * else under load (the subgraphs and the load generator). A gateway well under 100 % was not the
   * bottleneck.
   */
  gatewayCpuPercent: number;
  othersCpuPercent: number;
}

/** Ratios to the plain gateway's figures in the same workload and connection count. */
export interface Ratios {
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  cpuMsPerRequest: number;
  peakRssMiB: number;
}

/** One gateway on one workload at one connection count: medians over the rounds. */
export interface Row extends Figures {
  workload: string;
  connections: number;
  gateway: string;
  gatewayName: string;
  /** Errors summed over the rounds (the median's `errors` is that too). */
  rounds: Figures[];
  /** Slowest and fastest round, req/s. */
  range: [number, number];
  /** Against the plain gateway; absent when it was not raced. */
  vsPlain?: Ratios;
}

/** The soak: our router on the unique mix for minutes, its resident memory sampled along the way. */
export interface SoakReport {
  minutes: number;
  connections: number;
  /** Resident memory, MiB: the median of the first chunk's readings (after the warm-up), and of the last one's. */
  rssStartMiB: number;
  rssEndMiB: number;
  /** The highest reading. */
  rssMaxMiB: number;
  /** (end - start) / start, in %. */
  growthPercent: number;
  /** Per chunk of load: when it ended, the median of its resident-memory readings (MiB), its req/s. */
  samples: { atSeconds: number; rssMiB: number; rps: number }[];
  rps: number;
  errors: number;
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  machine: MachineInfo;
  pinning: { available: boolean; gatewayCpu: string | null; othersCpu: string | null; description: string };
  settings: {
    quick: boolean;
    rounds: number;
    durationSeconds: number;
    warmupSeconds: number;
    connections: number[];
    workloads: string[];
    gateways: { id: string; name: string; setup: string }[];
    dataset: { users: number; products: number; seed: number };
    /** Environment set on our router on top of router.yaml. */
    routerOverrides: Record<string, string>;
  };
  /** Workload id -> what it sends. */
  workloads: Record<string, string>;
  notes: string[];
  rows: Row[];
  /** Our router alone, on the write mix. */
  writes: Row[];
  soak?: SoakReport;
}

const MEDIAN_KEYS = [
  "rps",
  "p50",
  "p90",
  "p99",
  "requests",
  "subgraphRequestsPerRequest",
  "storeQueriesPerRequest",
  "cpuMsPerRequest",
  "peakRssMiB",
  "gatewayCpuPercent",
  "othersCpuPercent",
] as const;

/** The medians of a gateway's rounds (errors summed). */
export function summarize(
  rounds: readonly Figures[],
  labels: Pick<Row, "workload" | "connections" | "gateway" | "gatewayName">,
): Row {
  const figures = Object.fromEntries(
    MEDIAN_KEYS.map((key) => [key, median(rounds.map((round) => round[key]))]),
  ) as Omit<Figures, "errors">;
  const rps = rounds.map((round) => round.rps);
  return {
    ...labels,
    ...figures,
    errors: rounds.reduce((sum, round) => sum + round.errors, 0),
    rounds: [...rounds],
    range: [Math.min(...rps), Math.max(...rps)],
  };
}

/** Adds each row's ratios to the plain gateway's row of the same workload and connection count. */
export function addRatios(rows: Row[], baseline = "plain"): void {
  const ratio = (value: number, base: number) => (base > 0 ? value / base : 0);
  for (const row of rows) {
    const plain = rows.find(
      (other) => other.gateway === baseline && other.workload === row.workload && other.connections === row.connections,
    );
    if (!plain) continue;
    row.vsPlain = {
      rps: ratio(row.rps, plain.rps),
      p50: ratio(row.p50, plain.p50),
      p90: ratio(row.p90, plain.p90),
      p99: ratio(row.p99, plain.p99),
      cpuMsPerRequest: ratio(row.cpuMsPerRequest, plain.cpuMsPerRequest),
      peakRssMiB: ratio(row.peakRssMiB, plain.peakRssMiB),
    };
  }
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : "-");
const times = (value: number | undefined) =>
  value === undefined || !Number.isFinite(value) ? "" : `${value.toFixed(2)}×`;
const busy = (row: Row) => `${fixed(row.gatewayCpuPercent, 0)} / ${fixed(row.othersCpuPercent, 0)}`;
const ms = (value: number) => (value >= 10 ? value.toFixed(0) : value.toFixed(1));

/** A Markdown table of rows (one workload, or the writes). */
function table(rows: readonly Row[], withRatios: boolean): string[] {
  const header = withRatios
    ? [
        "conns",
        "gateway",
        "req/s",
        "× plain",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "p99 × plain",
        "errors",
        "subgraph req/req",
        "store q/req",
        "CPU ms/req",
        "CPU × plain",
        "peak RSS MiB",
        "RSS × plain",
        "CPU % gateway / others",
      ]
    : [
        "conns",
        "gateway",
        "req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "errors",
        "subgraph req/req",
        "store q/req",
        "CPU ms/req",
        "peak RSS MiB",
        "CPU % gateway / others",
      ];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map((_, i) => (i < 2 ? "---" : "---:")).join("|")}|`];
  for (const row of rows) {
    const cells = withRatios
      ? [
          String(row.connections),
          row.gatewayName,
          fixed(row.rps, 0),
          times(row.vsPlain?.rps),
          ms(row.p50),
          ms(row.p90),
          ms(row.p99),
          times(row.vsPlain?.p99),
          String(row.errors),
          fixed(row.subgraphRequestsPerRequest, 2),
          fixed(row.storeQueriesPerRequest, 2),
          fixed(row.cpuMsPerRequest, 2),
          times(row.vsPlain?.cpuMsPerRequest),
          fixed(row.peakRssMiB, 0),
          times(row.vsPlain?.peakRssMiB),
          busy(row),
        ]
      : [
          String(row.connections),
          row.gatewayName,
          fixed(row.rps, 0),
          ms(row.p50),
          ms(row.p90),
          ms(row.p99),
          String(row.errors),
          fixed(row.subgraphRequestsPerRequest, 2),
          fixed(row.storeQueriesPerRequest, 2),
          fixed(row.cpuMsPerRequest, 2),
          fixed(row.peakRssMiB, 0),
          busy(row),
        ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines;
}

/** The whole report as Markdown: the machine and settings, a table per workload, the writes, the soak, the notes. */
export function formatReport(report: BenchReport): string {
  const { machine, settings, soak } = report;
  const lines = [
    soak ? `# Soak of our router, ${report.startedAt}` : `# Gateway race, ${report.startedAt}`,
    "",
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}.`,
    `Pinning: ${report.pinning.description}`,
    `Dataset: ${settings.dataset.users} users, ${settings.dataset.products} products (SEED_DATASET=generated, seed ${settings.dataset.seed}).`,
    soak
      ? `Whole run: ${Math.round(report.durationSeconds)} s.`
      : `Runs: ${settings.rounds} alternating round(s) of ${settings.durationSeconds} s per gateway after a ${settings.warmupSeconds} s warm-up, at ${settings.connections.join(" and ")} connection(s); medians${settings.quick ? " (--quick: indicative only)" : ""}. Whole run: ${Math.round(report.durationSeconds)} s.`,
    `Our router's overrides of router.yaml: ${Object.entries(settings.routerOverrides)
      .map(([key, value]) => `${key}=${value}`)
      .join(", ")} (all load comes from one address and one token; the rate limiter still runs).`,
    "",
    "Gateways:",
    ...settings.gateways.map((gateway) => `- ${gateway.name}: ${gateway.setup}`),
  ];
  for (const workload of settings.workloads) {
    const rows = report.rows.filter((row) => row.workload === workload);
    if (rows.length === 0) continue;
    lines.push("", `## ${report.workloads[workload] ?? workload}`, "", ...table(rows, true));
  }
  if (report.writes.length > 0) {
    lines.push("", `## ${report.workloads.writes ?? "writes"}`, "", ...table(report.writes, false));
  }
  if (soak) {
    lines.push(
      "",
      `## Soak: ours on the unique mix, ${soak.minutes} min at ${soak.connections} connections`,
      "",
      `RSS ${fixed(soak.rssStartMiB, 0)} MiB over the first ${Math.round(soak.samples[0]?.atSeconds ?? 0)} s after the warm-up, ${fixed(soak.rssEndMiB, 0)} MiB over the last chunk (medians of readings every second): growth ${fixed(soak.growthPercent, 1)} % (target < 10 %); highest reading ${fixed(soak.rssMaxMiB, 0)} MiB. ${fixed(soak.rps, 0)} req/s, ${soak.errors} errors.`,
      "",
      `RSS along the way (s: MiB): ${soak.samples.map((sample) => `${Math.round(sample.atSeconds)}: ${fixed(sample.rssMiB, 0)}`).join(", ")}`,
    );
  }
  if (report.notes.length > 0) lines.push("", "Notes:", ...report.notes.map((note) => `- ${note}`));
  return `${lines.join("\n")}\n`;
}
