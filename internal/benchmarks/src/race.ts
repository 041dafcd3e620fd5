import autocannon from "autocannon";
import { cpuSeconds } from "./cpu.js";

/** A server in a race: where it answers, and its process (to read its CPU time). */
export interface Contender {
  name: string;
  /** The GraphQL endpoint. */
  url: string;
  pid: number;
  /**
   * Headers made afresh for each request it is sent, over the request's body (e.g. the router's
   * signature, for a subgraph queried directly: a signature may be used once). Default: none.
   */
  freshHeaders?: (body: string) => Record<string, string>;
  /** Headers sent with every request (e.g. a bearer token). Default: none. */
  headers?: Record<string, string>;
}

export interface RaceOptions {
  /** The same request for every contender. */
  body: string;
  rounds: number;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  /** Called after each measured run, e.g. to print progress. */
  onSample?: (contender: string, round: number, sample: Sample) => void;
}

/** One measured run of one contender. */
export interface Sample {
  rps: number;
  p50: number;
  p99: number;
  /** Failed requests: connection errors, timeouts, non-2xx answers. */
  errors: number;
  /** CPU time the contender's process spent per request, in ms: what it costs, whoever was the bottleneck. */
  cpuMsPerRequest: number;
}

/** A contender's medians over its rounds. */
export interface Standing extends Sample {
  name: string;
  /** Its slowest and fastest round, req/s. */
  range: [number, number];
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

async function measure(contender: Contender, options: RaceOptions, seconds: number): Promise<Sample> {
  const cpuBefore = cpuSeconds(contender.pid);
  const { freshHeaders } = contender;
  const result = await autocannon({
    url: contender.url,
    method: "POST",
    headers: { "content-type": "application/json", ...contender.headers },
    body: options.body,
    duration: seconds,
    connections: options.connections,
    ...(freshHeaders
      ? {
          requests: [
            {
              setupRequest: (request) => ({
                ...request,
                headers: { ...request.headers, ...freshHeaders(options.body) },
              }),
            },
          ],
        }
      : {}),
  });
  const requests = Math.max(1, result.requests.total);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    cpuMsPerRequest: ((cpuSeconds(contender.pid) - cpuBefore) * 1000) / requests,
  };
}

/**
 * Races contenders on the same request: each is warmed up, then they run in alternating rounds
 * (A B A B …) so that whatever else the machine does falls on all of them alike; medians are kept.
 */
export async function race(contenders: readonly Contender[], options: RaceOptions): Promise<Standing[]> {
  for (const contender of contenders) await measure(contender, options, options.warmupSeconds);
  const samples = new Map<string, Sample[]>(contenders.map((contender) => [contender.name, []]));
  for (let round = 1; round <= options.rounds; round++) {
    for (const contender of contenders) {
      const sample = await measure(contender, options, options.durationSeconds);
      samples.get(contender.name)?.push(sample);
      options.onSample?.(contender.name, round, sample);
    }
  }
  return contenders.map(({ name }) => {
    const runs = samples.get(name) ?? [];
    const rps = runs.map((run) => run.rps);
    return {
      name,
      rps: median(rps),
      p50: median(runs.map((run) => run.p50)),
      p99: median(runs.map((run) => run.p99)),
      errors: runs.reduce((sum, run) => sum + run.errors, 0),
      cpuMsPerRequest: median(runs.map((run) => run.cpuMsPerRequest)),
      range: [Math.min(...rps), Math.max(...rps)],
    };
  });
}

/** A table of standings, each with its ratios to the first (the baseline). */
export function formatStandings(title: string, standings: readonly Standing[]): string {
  const [baseline] = standings;
  const ratio = (value: number, base: number | undefined) => (base ? `${(value / base).toFixed(2)}x` : "-");
  const rows = standings.map((standing) => [
    standing.name,
    standing.rps.toFixed(0),
    ratio(standing.rps, baseline?.rps),
    String(standing.p50),
    String(standing.p99),
    ratio(standing.p99, baseline?.p99),
    standing.cpuMsPerRequest.toFixed(3),
    ratio(standing.cpuMsPerRequest, baseline?.cpuMsPerRequest),
    String(standing.errors),
    `${standing.range[0].toFixed(0)}-${standing.range[1].toFixed(0)}`,
  ]);
  const header = [
    "",
    "req/s",
    "vs base",
    "p50 ms",
    "p99 ms",
    "vs base",
    "cpu ms/req",
    "vs base",
    "errors",
    "req/s range",
  ];
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ");
  return [title, line(header), ...rows.map(line)].join("\n");
}
