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

/** One structured logger per process; request loggers are children of it. */
export function createLogger({ service, level = "info", format = "json" }: LoggerOptions): Logger {
  const options = { level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime };
  if (format === "json") return pino(options);
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
