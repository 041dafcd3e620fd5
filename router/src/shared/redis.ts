import { type Logger, redactUrl } from "@supergraph/service-kit";
import { Redis } from "ioredis";

/** Whether the router shares its state right now: `ready` (commands go to Redis) or `unavailable`. */
export type RedisState = "ready" | "unavailable";

/** What every router replica shares through Redis, for log lines and the README. */
export const SHARED = "rate limits and APQ";

/** The connection to the Redis that router replicas share (see `connectRedis`). */
export interface SharedRedis {
  /** The ioredis client. Commands fail at once while it is not ready (no offline queue). */
  readonly client: Redis;
  /** True while commands can be sent: connected, and Redis answered its ready check. */
  readonly ready: boolean;
  readonly state: RedisState;
  /** Resolves once the first connection attempt is over (ready, or failed), at most `connectTimeoutMs` later. */
  readonly settled: Promise<void>;
  /** Closes the connection (QUIT when connected) and stops reconnecting. Idempotent. */
  close(): Promise<void>;
}

export interface RedisOptions {
  /** `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS. */
  url: string;
  logger: Logger;
  /** Longest wait for a TCP connection (and its ready check). Default: 500 ms. */
  connectTimeoutMs?: number;
  /** Longest wait for a command's reply before it fails (the caller then falls back to memory). Default: 500 ms. */
  commandTimeoutMs?: number;
  /** A connection that receives nothing this long while a reply is due is dropped and reconnected. Default: 1000 ms. */
  socketTimeoutMs?: number;
  /** Largest wait between two reconnection attempts (they back off from 100 ms). Default: 2000 ms. */
  maxReconnectDelayMs?: number;
}

/** Backoff between reconnection attempts: 100, 200, 400 ... ms, at most `max`, with up to 10% jitter. */
export const reconnectDelay = (attempt: number, max: number): number => {
  const delay = Math.min(100 * 2 ** Math.min(attempt - 1, 10), max);
  return Math.round(delay * (0.9 + Math.random() * 0.1));
};

/**
 * Connects to the Redis that router replicas share, in the background: the router starts and
 * serves whether or not Redis answers. Built to never stall a request: no offline queue (a command
 * sent while disconnected fails at once), no command retries, short connect and command timeouts,
 * and a connection that stops answering is dropped. It reconnects by itself, with backoff, for as
 * long as the router runs. Each change of state is logged once: a warning when Redis becomes
 * unavailable ("redis unavailable: rate limits and APQ per router until it returns"), info when it
 * is back, never a line per failed command.
 */
export function connectRedis({
  url,
  logger,
  connectTimeoutMs = 500,
  commandTimeoutMs = 500,
  socketTimeoutMs = 1000,
  maxReconnectDelayMs = 2000,
}: RedisOptions): SharedRedis {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: connectTimeoutMs,
    commandTimeout: commandTimeoutMs,
    socketTimeout: socketTimeoutMs,
    retryStrategy: (attempt) => reconnectDelay(attempt, maxReconnectDelayMs),
  });
  const where = redactUrl(url);
  let announced: RedisState | undefined;
  let closing = false;
  let settle: () => void = () => {};
  const firstAttempt = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const timer = setTimeout(() => settle(), connectTimeoutMs);
  timer.unref();

  const becameUnavailable = (reason: string) => {
    settle();
    if (closing || announced === "unavailable") return;
    announced = "unavailable";
    logger.warn({ redis: where, reason }, `redis unavailable: ${SHARED} per router until it returns`);
  };
  client.on("ready", () => {
    settle();
    if (announced === "ready") return;
    const recovered = announced === "unavailable";
    announced = "ready";
    logger.info(
      { redis: where },
      recovered ? `redis is back: ${SHARED} shared again` : `redis connected: ${SHARED} shared`,
    );
  });
  // Every failed attempt emits "error" (and "close"): only the first of a run of them is logged.
  client.on("error", (error: Error) => becameUnavailable(error.message));
  client.on("close", () => becameUnavailable("connection closed"));

  let closed: Promise<void> | undefined;
  return {
    client,
    get ready() {
      return client.status === "ready";
    },
    get state(): RedisState {
      return client.status === "ready" ? "ready" : "unavailable";
    },
    settled: firstAttempt,
    close() {
      closed ??= (async () => {
        closing = true;
        clearTimeout(timer);
        settle();
        const ended = new Promise<void>((resolve) => {
          client.once("end", () => resolve());
          setTimeout(resolve, connectTimeoutMs).unref();
        });
        try {
          if (client.status === "ready") await client.quit();
        } catch {
          // Unreachable or slow: the disconnect below drops it anyway.
        } finally {
          client.disconnect();
        }
        if (client.status !== "end") await ended;
      })();
      return closed;
    },
  };
}
