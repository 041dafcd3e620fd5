/** Reading a service's `GET /metrics` (the Prometheus text format) in tests. */

/** One line of the exposition: a series and its value. */
export interface MetricSample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const unescapeLabel = (value: string) =>
  value.replace(/\\(.)/g, (_match, char: string) => (char === "n" ? "\n" : char));

const TYPE = /^#\s*TYPE\s+(\S+)\s+(\S+)/;

/** A text exposition, read: its samples, and each metric's declared type (`# TYPE`), even one with no sample yet. */
export interface Exposition {
  samples: MetricSample[];
  types: Map<string, string>;
}

/** Reads a text exposition (other comments and blank lines skipped); throws on a line it cannot read. */
export function parsePrometheusText(text: string): Exposition {
  const samples: MetricSample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    const type = TYPE.exec(trimmed);
    if (type) types.set(type[1] ?? "", type[2] ?? "");
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const match = SAMPLE.exec(trimmed);
    if (!match) throw new Error(`not a Prometheus sample line: ${trimmed}`);
    const [, name = "", labelText = "", valueText = ""] = match;
    const labels: Record<string, string> = {};
    for (const [, key = "", value = ""] of labelText.matchAll(LABEL)) labels[key] = unescapeLabel(value);
    // Like Prometheus (Go's ParseFloat): NaN and Inf in any case.
    const special = valueText.toLowerCase();
    const value =
      special === "nan"
        ? Number.NaN
        : special === "+inf" || special === "inf"
          ? Infinity
          : special === "-inf"
            ? -Infinity
            : Number(valueText);
    if (special !== "nan" && Number.isNaN(value)) throw new Error(`not a sample value: ${trimmed}`);
    samples.push({ name, labels, value });
  }
  return { samples, types };
}

/** A scrape, read: which series there are and what they hold. */
export class MetricsScrape {
  readonly samples: readonly MetricSample[];
  private readonly types: ReadonlyMap<string, string>;

  constructor({ samples, types }: Exposition) {
    this.samples = samples;
    this.types = types;
  }

  /** The type a metric is declared with (`counter`, `gauge`, `histogram`, ...), whether or not it has samples yet. */
  type(name: string): string | undefined {
    return this.types.get(name);
  }

  private matching(name: string, labels: Readonly<Record<string, string>>): MetricSample[] {
    return this.samples.filter(
      (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    );
  }

  /** Whether any sample named `name` (with these label values, if given) is there. */
  has(name: string, labels: Readonly<Record<string, string>> = {}): boolean {
    return this.matching(name, labels).length > 0;
  }

  /** The sum of the samples named `name` that carry these label values (any others), or 0 when none does. */
  value(name: string, labels: Readonly<Record<string, string>> = {}): number {
    return this.matching(name, labels).reduce((sum, sample) => sum + sample.value, 0);
  }

  /** The sum of the samples named `name` whose labels pass `filter`. */
  sum(name: string, filter: (labels: Readonly<Record<string, string>>) => boolean): number {
    return this.matching(name, {}).reduce((sum, sample) => sum + (filter(sample.labels) ? sample.value : 0), 0);
  }

  /** The label sets of the samples named `name`. */
  series(name: string): Readonly<Record<string, string>>[] {
    return this.matching(name, {}).map((sample) => sample.labels);
  }
}

/** GETs `url` (a `/metrics` endpoint) and reads it; throws unless it answers 200 in the text format. */
export async function scrapeMetrics(url: string): Promise<MetricsScrape> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${text.slice(0, 200)}`);
  const type = response.headers.get("content-type") ?? "";
  if (!type.startsWith("text/plain"))
    throw new Error(`GET ${url}: content-type ${type}, not the Prometheus text format`);
  return new MetricsScrape(parsePrometheusText(text));
}
