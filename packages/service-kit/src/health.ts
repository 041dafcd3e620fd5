import type { Logger } from "pino";

/** A dependency the service needs to do its job, probed by `GET /health`. */
export interface HealthCheck {
  name: string;
  /** Resolves when healthy; rejects (or exceeds the timeout) when not. */
  check: () => Promise<void>;
}

/** The body of `GET /health`. */
export interface HealthReport {
  status: "ok" | "fail";
  service: string;
  uptimeSeconds: number;
  checks: Record<string, { status: "ok" } | { status: "fail"; error: string }>;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs every check (each bounded by `timeoutMs`); healthy when all pass. A failing check is logged. */
export async function healthReport(
  service: string,
  checks: readonly HealthCheck[],
  timeoutMs: number,
  logger: Logger,
): Promise<HealthReport> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      try {
        await withTimeout(check(), timeoutMs, name);
        return [name, { status: "ok" }] as const;
      } catch (error) {
        logger.warn({ err: error, check: name }, "health check failed");
        return [name, { status: "fail", error: (error as Error).message }] as const;
      }
    }),
  );
  return {
    status: results.every(([, result]) => result.status === "ok") ? "ok" : "fail",
    service,
    uptimeSeconds: Math.round(process.uptime()),
    checks: Object.fromEntries(results),
  };
}
