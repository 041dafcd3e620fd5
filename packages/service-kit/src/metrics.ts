/**
 * Prometheus metrics of one service (prom-client): its own registry, the process metrics, the
 * GraphQL requests it served by operation and outcome, and `GET /metrics` in the text format.
 * Services register their own series through `counter`, `histogram` and `gauge`, so prom-client
 * stays a dependency of this kit only. Every label is bounded: operation names by
 * `OperationLabels`, outcomes by the error-code contract, the rest by what the code names.
 */
import { isErrorCode } from "@supergraph/error-codes";
import {
  AggregatorRegistry,
  type CounterConfiguration,
  collectDefaultMetrics,
  type GaugeConfiguration,
  type HistogramConfiguration,
  Counter as PromCounter,
  Gauge as PromGauge,
  Histogram as PromHistogram,
  Registry,
} from "prom-client";
import type { CompletedRequest, Route } from "./service.js";

export type Counter<L extends string = string> = PromCounter<L>;
export type Gauge<L extends string = string> = PromGauge<L>;
export type Histogram<L extends string = string> = PromHistogram<L>;
/** A counter's or histogram's series for one set of label values (`metric.labels(...)`), kept to skip the lookup. */
export type CounterChild = PromCounter.Internal;
export type HistogramChild = PromHistogram.Internal<string>;

/** Label of a request with no operation name (anonymous operation, or no GraphQL operation at all). */
export const ANONYMOUS = "anonymous";
/** Label of everything a bounded label does not keep by name (malformed, past the limit, unknown outcome). */
export const OTHER = "other";

/** Seconds: from a sub-millisecond subgraph call to a request at its timeout. */
export const DURATION_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** A GraphQL name (what an operation name must be), at most 128 characters. */
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,127}$/;

/** Well-formed operation names labelled by name, beyond the known ones, unless configured otherwise. */
export const DEFAULT_MAX_OPERATIONS = 100;

/**
 * The `operation` label of a request, bounded: names known in advance (e.g. a trusted-documents
 * manifest's) always keep their name; other well-formed names keep theirs while fewer than `max`
 * have been seen, first come first served, and later ones share `other`; a malformed name is
 * `other` and a missing one `anonymous`. An operation actually named `other` or `anonymous` shares
 * that label.
 */
export class OperationLabels {
  private readonly named = new Set<string>();
  private added = 0;
  private readonly max: number;

  constructor({ known = [], max = DEFAULT_MAX_OPERATIONS }: { known?: Iterable<string>; max?: number } = {}) {
    this.max = max;
    for (const name of known) if (OPERATION_NAME.test(name)) this.named.add(name);
  }

  label(name: string | null | undefined): string {
    if (name === undefined || name === null || name === "") return ANONYMOUS;
    if (this.named.has(name)) return name;
    if (this.added >= this.max || !OPERATION_NAME.test(name)) return OTHER;
    this.named.add(name);
    this.added += 1;
    return name;
  }
}

/** The `outcome` label: `success`, a code of the error-code contract, or `other`. */
export function outcomeLabel(outcome: string): string {
  return outcome === "success" || isErrorCode(outcome) ? outcome : OTHER;
}

/**
 * `make(...values)` (e.g. `(subgraph, outcome) => histogram.labels(subgraph, outcome)`), made once
 * per distinct label values, then only looked up: what the request path calls instead of `labels()`.
 * Bound the values first (they come from code, configuration, or a bounded label such as OperationLabels).
 */
export function seriesCache<C>(make: (...values: string[]) => C): (...values: string[]) => C {
  const root = new Map<string, unknown>();
  return (...values) => {
    let level = root;
    const last = values.length - 1;
    for (let index = 0; index < last; index++) {
      const value = values[index] as string;
      let next = level.get(value) as Map<string, unknown> | undefined;
      if (!next) {
        next = new Map();
        level.set(value, next);
      }
      level = next;
    }
    const key = values[last] ?? "";
    let child = level.get(key) as C | undefined;
    if (child === undefined) {
      child = make(...values);
      level.set(key, child);
    }
    return child;
  };
}

/**
 * One process's metrics as plain data (prom-client's JSON form, each metric with its `aggregator`),
 * for another process to aggregate (see `aggregateMetrics`): what a cluster worker sends its primary.
 */
export type MetricsSnapshot = Awaited<ReturnType<Registry["getMetricsAsJSON"]>>;

/**
 * One Prometheus text exposition of several processes' snapshots (a cluster's workers, and its
 * primary), with prom-client's AggregatorRegistry: the series of one name and label values are
 * merged by their metric's `aggregator`: summed by default (counters, histograms, and gauges
 * created without one), else `min`, `max`, `average`, `first`, or left out (`omit`); the process
 * metrics declare theirs (event-loop lag averaged, start time left out, CPU and memory summed).
 */
export async function aggregateMetrics(
  snapshots: readonly MetricsSnapshot[],
): Promise<{ text: string; contentType: string }> {
  const registry = AggregatorRegistry.aggregate(snapshots as MetricsSnapshot[]);
  return { text: await registry.metrics(), contentType: registry.contentType };
}

/** Process metrics (CPU, memory, heap, event loop lag, GC, handles): one set per process, however many services it runs. */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export interface ServiceMetricsOptions {
  /** Operation names known in advance: always labelled by name (see OperationLabels). Default: none. */
  knownOperations?: Iterable<string>;
  /** Other well-formed operation names labelled by name before the rest share `other`. Default: 100. */
  maxOperations?: number;
  /** Also told of every finished GraphQL request, after it is counted (e.g. the router's rejections). Default: none. */
  onGraphQLRequest?: (request: CompletedRequest) => void;
}

/** A request counter and duration histogram series, for one operation and outcome. */
interface RequestSeries {
  count: CounterChild;
  duration: HistogramChild;
}

/**
 * One service's metrics. Pass it to `createService` as `metrics`: the kit counts every finished
 * request in it and serves `route` (`GET /metrics`, on the internal listener when there is one).
 * Without it a service has no `/metrics` and counts nothing.
 */
export class ServiceMetrics {
  /** This service's series (the process metrics live in a registry of their own, shared by the process). */
  readonly registry = new Registry();
  readonly operations: OperationLabels;
  /** `GET /metrics`: the Prometheus text format, for the internal listener. */
  readonly route: Route;
  private readonly requests: Counter<"operation" | "outcome">;
  private readonly durations: Histogram<"operation" | "outcome">;
  private readonly httpRequests: Counter<"route" | "status">;
  /** Series by operation label, then outcome label: the request path looks them up, never builds them twice. */
  private readonly series = new Map<string, Map<string, RequestSeries>>();
  private readonly onGraphQLRequest: ((request: CompletedRequest) => void) | undefined;

  constructor({ knownOperations, maxOperations, onGraphQLRequest }: ServiceMetricsOptions = {}) {
    this.operations = new OperationLabels({
      ...(knownOperations ? { known: knownOperations } : {}),
      ...(maxOperations === undefined ? {} : { max: maxOperations }),
    });
    this.onGraphQLRequest = onGraphQLRequest;
    this.requests = this.counter({
      name: "graphql_requests_total",
      help: "GraphQL requests served, by operation name and outcome (success or the first error's code).",
      labelNames: ["operation", "outcome"],
    });
    this.durations = this.histogram({
      name: "graphql_request_duration_seconds",
      help: "Time to answer a GraphQL request, by operation name and outcome.",
      labelNames: ["operation", "outcome"],
      buckets: [...DURATION_BUCKETS],
    });
    this.httpRequests = this.counter({
      name: "http_requests_total",
      help: "Requests to the other routes (health, readiness, metrics, unknown routes), by route pattern and status.",
      labelNames: ["route", "status"],
    });
    processMetrics();
    this.route = {
      path: "/metrics",
      internal: true,
      handle: async () => ({ status: 200, body: await this.text(), contentType: this.registry.contentType }),
    };
  }

  counter<L extends string>(config: CounterConfiguration<L>): Counter<L> {
    return new PromCounter({ ...config, registers: [this.registry] });
  }

  histogram<L extends string>(config: HistogramConfiguration<L>): Histogram<L> {
    return new PromHistogram({ ...config, registers: [this.registry] });
  }

  /** A gauge; with `collect`, its values are set when scraped (e.g. from a status report). */
  gauge<L extends string>(config: GaugeConfiguration<L>): Gauge<L> {
    return new PromGauge({ ...config, registers: [this.registry] });
  }

  /** What the kit calls with each finished request: GraphQL ones (at `graphqlPath`) by operation and outcome, others by route. */
  requestObserver(graphqlPath: string): (request: CompletedRequest) => void {
    return (request) => {
      if (request.route !== graphqlPath) {
        this.httpRequests.labels(request.route, String(request.status)).inc();
        return;
      }
      const series = this.seriesFor(this.operations.label(request.operationName), outcomeLabel(request.outcome));
      series.count.inc();
      series.duration.observe(request.durationMs / 1000);
      this.onGraphQLRequest?.(request);
    };
  }

  private seriesFor(operation: string, outcome: string): RequestSeries {
    let byOutcome = this.series.get(operation);
    if (!byOutcome) {
      byOutcome = new Map();
      this.series.set(operation, byOutcome);
    }
    let series = byOutcome.get(outcome);
    if (!series) {
      series = { count: this.requests.labels(operation, outcome), duration: this.durations.labels(operation, outcome) };
      byOutcome.set(outcome, series);
    }
    return series;
  }

  /** The process's and this service's metrics as plain data, for a process that aggregates several (see `aggregateMetrics`). */
  async snapshot(): Promise<MetricsSnapshot> {
    const [process, own] = await Promise.all([processMetrics().getMetricsAsJSON(), this.registry.getMetricsAsJSON()]);
    return [...process, ...own];
  }

  /** The process's and this service's metrics, in the Prometheus text format. */
  async text(): Promise<string> {
    const [process, own] = await Promise.all([processMetrics().metrics(), this.registry.metrics()]);
    return `${process}\n${own}`;
  }
}
