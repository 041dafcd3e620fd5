import cluster from "node:cluster";
import { type Logger, pino } from "pino";
import pretty from "pino-pretty";

export type { Logger } from "pino";

export interface LoggerOptions {
  /** Service name, added to every line as `service`. */
  service: string;
  /** Minimum level to print. Default: info. */
  level?: string;
  /** `json` (default, one object per line) or `pretty` (human-readable, for local development). */
  format?: "json" | "pretty";
}

/**
 * Fields never written, should a log call ever pass them: credentials, signatures, secrets and
 * GraphQL variables (which hold whatever users send). Log lines name a caller by subject only.
 * Exact paths only: a wildcard path (`*.token`) would double the cost of every log line.
 */
export const REDACTED_FIELDS = [
  "authorization",
  "token",
  "secret",
  "signature",
  "variables",
  "headers.authorization",
  'headers["x-supergraph-signature"]',
  'headers["x-supergraph-identity"]',
  "request.variables",
];

/** At most this long between a JSON line and its write to stdout. */
const FLUSH_MS = 200;

/** Largest write that lands in a pipe in one piece (POSIX PIPE_BUF on Linux), never mixed with another writer's. */
const PIPE_BUF = 4096;

/**
 * One structured logger per process; request loggers are children of it. In a worker of Node's
 * `cluster` module every line also carries `worker` (the cluster's worker id), and the workers,
 * which share the primary's stdout, write whole lines at most 4 KB at a time, so their lines do not
 * interleave in a pipe (a single line longer than that may).
 */
export function createLogger({ service, level = "info", format = "json" }: LoggerOptions): Logger {
  const worker = cluster.isWorker ? cluster.worker?.id : undefined;
  const options = {
    level,
    base: worker === undefined ? { service } : { service, worker },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_FIELDS, censor: "[redacted]" },
  };
  if (format === "json") {
    // Buffered, asynchronous writes: one write to stdout per 4 KB of lines (or every FLUSH_MS, so a
    // quiet service's lines still show at once) instead of a system call per line on the request
    // path. pino writes what is left synchronously when the process exits.
    const destination = pino.destination({
      dest: 1,
      sync: false,
      ...(worker === undefined ? { minLength: 4096 } : { minLength: PIPE_BUF / 2, maxWrite: PIPE_BUF }),
    });
    setInterval(() => {
      try {
        destination.flush();
      } catch {
        // closed: the process is exiting, and pino has written what was left
      }
    }, FLUSH_MS).unref();
    return pino(options, destination);
  }
  // Pretty output in the main thread, synchronously, so nothing is lost when the process exits.
  return pino(
    options,
    pretty({
      colorize: true,
      sync: true,
      singleLine: true,
      translateTime: "SYS:HH:MM:ss.l",
      ignore: "pid,hostname,service",
    }),
  );
}
