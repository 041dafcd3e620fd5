import type { AddressInfo } from "node:net";
import type { BaseContext } from "@apollo/server";
import type { Logger } from "pino";
import type { Service } from "./service.js";
import type { Tracing } from "./tracing.js";

export interface RunOptions {
  port: number;
  host?: string;
  logger: Logger;
  /** Printed once the service listens, e.g. where to open Sandbox. */
  onListening?: (address: AddressInfo) => void;
  /** The service's tracing: its last spans are sent once the service has drained. Default: none. */
  tracing?: Pick<Tracing, "shutdown">;
}

/**
 * Listens, then shuts down gracefully on SIGTERM or SIGINT: stop accepting, drain in-flight
 * requests, close resources, send the last spans, exit 0. A second signal exits at once.
 */
export async function runService<TContext extends BaseContext>(
  service: Service<TContext>,
  { port, host, logger, onListening, tracing }: RunOptions,
): Promise<void> {
  const address = await service.listen(port, host);
  logger.info({ port: address.port, host: address.address }, "listening");
  const internal = service.internalServer?.address();
  if (internal && typeof internal === "object") {
    logger.info({ port: internal.port, host: internal.address }, "internal endpoints listening (not for the public)");
  }
  onListening?.(address);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal, exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down");
    closeAndExit(service, logger, tracing);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

/**
 * The end of a graceful shutdown: drain and close `service`, send the last spans, flush the log and
 * exit 0 (1 if closing failed).
 */
export function closeAndExit(
  service: Pick<Service<BaseContext>, "close">,
  logger: Logger,
  tracing?: Pick<Tracing, "shutdown">,
): void {
  service
    .close()
    .then(() =>
      tracing?.shutdown().catch((error: unknown) => logger.warn({ err: error }, "sending the last spans failed")),
    )
    .then(
      () => {
        logger.info("stopped");
        logger.flush();
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        logger.flush();
        process.exit(1);
      },
    );
}
