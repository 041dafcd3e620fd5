import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ApolloServer, ApolloServerPlugin, BaseContext } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { expressMiddleware } from "@as-integrations/express5";
import express, { type Express, type NextFunction, type Request, type Response } from "express";
import type { GraphQLFormattedError } from "graphql";
import type { Logger } from "pino";
import { createErrorFormatter } from "./errors.js";

/** A dependency the service needs to do its job, probed by `GET /health`. */
export interface HealthCheck {
  name: string;
  /** Resolves when healthy; rejects (or exceeds `healthTimeoutMs`) when not. */
  check: () => Promise<void>;
}

/** What every ApolloServer built by a service must include; spread it into the constructor options. */
export interface ApolloBaseOptions {
  plugins: ApolloServerPlugin<BaseContext>[];
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  includeStacktraceInErrorResponses: false;
  logger: Logger;
  /** `runService` handles SIGTERM/SIGINT; Apollo's own handler would re-raise the signal mid-shutdown. */
  stopOnTerminationSignals: false;
}

export interface ServiceOptions<TContext extends BaseContext> {
  /** Service name, reported by `/health`. */
  name: string;
  logger: Logger;
  /** Builds the ApolloServer from the base options (drain plugin, error masking, logger). */
  buildApollo: (base: ApolloBaseOptions) => ApolloServer<TContext>;
  /** Builds the per-request context (e.g. fresh DataLoaders). */
  context: (args: { req: Request; res: Response }) => Promise<TContext>;
  /** Dependencies probed by `GET /health`. Default: none. */
  checks?: HealthCheck[];
  /** Where GraphQL is served. Default: `/graphql`. */
  graphqlPath?: string;
  /** Largest accepted request body. Default: `1mb`. */
  bodyLimit?: string;
  /** Time a health check may take before it counts as failed. Default: 2000 ms. */
  healthTimeoutMs?: number;
  /** Longest wait for in-flight requests on shutdown. Default: 10000 ms. */
  drainTimeoutMs?: number;
  /** Adds routes before the GraphQL endpoint (e.g. a redirect from `/`). */
  configureApp?: (app: Express) => void;
  /** Runs after the HTTP server has drained, e.g. to close the database. */
  onClose?: () => Promise<void>;
}

export interface Service<TContext extends BaseContext> {
  readonly app: Express;
  readonly httpServer: Server;
  readonly apollo: ApolloServer<TContext>;
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Stops accepting, waits for in-flight requests (bounded), then runs `onClose`. Idempotent. */
  close(): Promise<void>;
}

/** The JSON error body GraphQL clients understand, for failures before GraphQL runs. */
function httpError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Builds (but does not start listening) an HTTP service: GraphQL at `graphqlPath`, `GET /health`,
 * JSON errors for malformed requests, and graceful shutdown. Tests import this; `runService` listens.
 */
export async function createService<TContext extends BaseContext>(
  options: ServiceOptions<TContext>,
): Promise<Service<TContext>> {
  const {
    name,
    logger,
    checks = [],
    graphqlPath = "/graphql",
    bodyLimit = "1mb",
    healthTimeoutMs = 2000,
    drainTimeoutMs = 10_000,
  } = options;
  const app = express();
  app.disable("x-powered-by");
  const httpServer = createHttpServer(app);
  const apollo = options.buildApollo({
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: drainTimeoutMs })],
    formatError: createErrorFormatter(logger),
    includeStacktraceInErrorResponses: false,
    logger,
    stopOnTerminationSignals: false,
  });
  await apollo.start();

  app.get("/health", async (_req, res) => {
    const results = await Promise.all(
      checks.map(async ({ name: checkName, check }) => {
        try {
          await withTimeout(check(), healthTimeoutMs, checkName);
          return [checkName, { status: "ok" }] as const;
        } catch (error) {
          logger.warn({ err: error, check: checkName }, "health check failed");
          return [checkName, { status: "fail", error: (error as Error).message }] as const;
        }
      }),
    );
    const healthy = results.every(([, result]) => result.status === "ok");
    res.status(healthy ? 200 : 503).json({
      status: healthy ? "ok" : "fail",
      service: name,
      uptimeSeconds: Math.round(process.uptime()),
      checks: Object.fromEntries(results),
    });
  });
  options.configureApp?.(app);
  app.use(graphqlPath, express.json({ limit: bodyLimit }), expressMiddleware(apollo, { context: options.context }));
  app.use((_req, res) => httpError(res, 404, "NOT_FOUND", "No such route. GraphQL is served at " + graphqlPath + "."));
  app.use((error: Error & { status?: number; type?: string }, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    if (error.type === "entity.parse.failed") {
      return httpError(res, 400, "BAD_REQUEST", "The request body is not valid JSON.");
    }
    if (error.type === "entity.too.large") {
      return httpError(res, 413, "PAYLOAD_TOO_LARGE", `The request body is larger than ${bodyLimit}.`);
    }
    if (error.status && error.status >= 400 && error.status < 500) {
      return httpError(res, error.status, "BAD_REQUEST", "The request could not be read.");
    }
    logger.error({ err: error }, "unhandled HTTP error");
    return httpError(res, 500, "INTERNAL_SERVER_ERROR", "Internal server error.");
  });

  let closing: Promise<void> | undefined;
  return {
    app,
    httpServer,
    apollo,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => {
          httpServer.off("error", reject);
          resolve(httpServer.address() as AddressInfo);
        });
      }),
    close: () => {
      closing ??= (async () => {
        // apollo.stop() runs the drain plugin, which closes the HTTP server (if listening).
        await apollo.stop();
        if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
        await options.onClose?.();
      })();
      return closing;
    },
  };
}

export interface RunOptions {
  port: number;
  host?: string;
  logger: Logger;
  /** Printed once the service listens, e.g. where to open Sandbox. */
  onListening?: (address: AddressInfo) => void;
}

/**
 * Listens, then shuts down gracefully on SIGTERM or SIGINT: stop accepting, drain in-flight
 * requests, close resources, exit 0. A second signal exits at once.
 */
export async function runService<TContext extends BaseContext>(
  service: Service<TContext>,
  { port, host, logger, onListening }: RunOptions,
): Promise<void> {
  const address = await service.listen(port, host);
  logger.info({ port: address.port, host: address.address }, "listening");
  onListening?.(address);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal, exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down");
    service.close().then(
      () => {
        logger.info("stopped");
        logger.flush();
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
