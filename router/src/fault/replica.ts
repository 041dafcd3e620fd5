import { formatTraceparent, type Logger, newSpanId, newTraceId, TRACEPARENT_HEADER } from "@supergraph/service-kit";
import CircuitBreaker from "opossum";
import { Pool } from "undici";
import type { TryOutcome, UpstreamObserver } from "./observer.js";
import { isFailureStatus } from "./retry.js";
import type { SubgraphSettings } from "./settings.js";

/** Where one replica is: the URL requests go to, and for a DNS-discovered address, the Host it serves. */
export interface ReplicaTarget {
  /** The URL requests are sent to (for DNS discovery, with the host name replaced by one address). */
  url: string;
  /** Host header (and TLS server name) to send, when `url` holds an address instead of the name. */
  host?: string;
}

/** An HTTP reply of one try, its body read in full (within the try's deadline). */
export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** The replica answered with a status that counts as its failure (5xx, 429). */
/**
 * `request`, or a rejection as soon as `signal` aborts. undici honours the signal once the request
 * is on a connection, but not while the connection is still being made (a host that went silent:
 * its SYNs go unanswered until the pool's connect timeout), so the try's deadline would wait for the
 * connect timeout. A response that arrives after the deadline is discarded.
 */
export function untilAborted<T extends { body: { dump(): Promise<void> } }>(
  request: Promise<T>,
  signal: AbortSignal,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abandon = () => {
      reject(signal.reason);
      request.then(
        (late) => late.body.dump().catch(() => undefined),
        () => undefined,
      );
    };
    if (signal.aborted) return abandon();
    signal.addEventListener("abort", abandon, { once: true });
    request.then(
      (response) => {
        signal.removeEventListener("abort", abandon);
        resolve(response);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", abandon);
        reject(error);
      },
    );
  });
}

export class FailureStatus extends Error {
  override readonly name = "FailureStatus";
  constructor(readonly reply: Reply) {
    super(`HTTP ${reply.status}`);
  }
}

/** The replica could not be reached, or dropped the connection. */
export class TransportError extends Error {
  override readonly name = "TransportError";
}

/** The try was abandoned at its deadline. */
export class AttemptTimeout extends Error {
  override readonly name = "AttemptTimeout";
}

export type CircuitState = "closed" | "open" | "halfOpen";

/** What `/ready` reports about one replica. */
export interface ReplicaStatus {
  url: string;
  /** Last known reachability from probes and traffic; null before the first probe or call. */
  reachable: boolean | null;
  circuit: CircuitState;
  /** When reachability was last observed (ISO 8601). */
  checkedAt: string | null;
  /** Why the last probe or call failed, when it did. */
  error?: string;
  /** Tries sent to this replica, and how many of them failed (since the router started). */
  requests: number;
  failures: number;
}

/** Connection errors that mean nothing serves at the address (unlike a reset, which can hit one stale connection). */
const NOT_SERVING = new Set([
  "ECONNREFUSED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/**
 * Turns one try's headers into those to send, given its body: e.g. adds a fresh signature, so each
 * retry and each health probe is signed anew. The fault layer calls it; what it adds is the caller's.
 */
export type RequestSigner = (body: string, headers: Record<string, string>) => Record<string, string>;

const unsigned: RequestSigner = (_body, headers) => headers;

const HEALTH_QUERY = JSON.stringify({ query: "query __RouterHealthCheck { __typename }" });

/**
 * One replica of a subgraph: a keep-alive connection pool (undici), a circuit breaker (opossum)
 * counting its failures, and what probes and traffic tell about its reachability.
 */
export class Replica {
  readonly url: string;
  readonly key: string;
  private readonly path: string;
  private readonly host: string | undefined;
  private readonly pool: Pool;
  private readonly breaker: CircuitBreaker<[() => Promise<Reply>], Reply> | undefined;
  reachable: boolean | null = null;
  /**
   * Until when routing avoids this replica (while others are left): set when a probe fails or a
   * call finds nothing serving at the address; cleared by the next successful probe or call
   * (without probes, it expires after the circuit breaker's resetTimeoutMs).
   */
  private avoidUntil = 0;
  private checkedAt: number | undefined;
  private lastError: string | undefined;
  private requests = 0;
  private failures = 0;

  constructor(
    readonly serviceName: string,
    target: ReplicaTarget,
    private readonly settings: SubgraphSettings,
    private readonly logger: Logger,
    private readonly sign: RequestSigner = unsigned,
    private readonly observer: UpstreamObserver = {},
  ) {
    const url = new URL(target.url);
    this.url = target.url;
    this.key = `${target.url}|${target.host ?? ""}`;
    this.path = `${url.pathname}${url.search}`;
    this.host = target.host;
    const { connections, keepAliveTimeoutMs, connectTimeoutMs } = settings.pool;
    const servername = target.host?.replace(/:\d+$/, "");
    this.pool = new Pool(url.origin, {
      connections,
      keepAliveTimeout: keepAliveTimeoutMs,
      connect: { timeout: connectTimeoutMs, ...(servername && url.protocol === "https:" ? { servername } : {}) },
    });
    const breaker = settings.circuitBreaker;
    if (breaker.enabled) {
      this.breaker = new CircuitBreaker((call: () => Promise<Reply>) => call(), {
        timeout: false, // the retry loop's own deadline aborts the request itself
        errorThresholdPercentage: breaker.errorThresholdPercentage,
        volumeThreshold: breaker.volumeThreshold,
        resetTimeout: breaker.resetTimeoutMs,
        rollingCountTimeout: breaker.rollingWindowMs,
        rollingCountBuckets: 10,
        rollingPercentilesEnabled: false,
        enableSnapshots: false,
      });
      const fields = { subgraph: serviceName, replica: target.url };
      this.breaker.on("open", () => logger.warn(fields, "circuit opened: calls to this replica now fail fast"));
      this.breaker.on("halfOpen", () => logger.info(fields, "circuit half-open: the next call probes the replica"));
      this.breaker.on("close", () => logger.info(fields, "circuit closed: the replica recovered"));
    }
  }

  /** Whether routing should prefer other replicas: the last probe failed, or nothing served at its address. */
  get avoided(): boolean {
    return Date.now() < this.avoidUntil;
  }

  get circuit(): CircuitState {
    if (!this.breaker || this.breaker.closed) return "closed";
    return this.breaker.halfOpen ? "halfOpen" : "open";
  }

  /** Whether a call may go out now: circuit closed, or half-open with its single probe call not yet taken. */
  get available(): boolean {
    return !this.breaker || this.breaker.closed || (this.breaker.halfOpen && this.breaker.pendingClose);
  }

  /**
   * One try: POST `body` to the replica through its circuit breaker. Resolves with any reply
   * that is not a failure; rejects with FailureStatus (5xx/429, counted by the breaker),
   * TransportError, AttemptTimeout (when `signal` aborts), or opossum's EOPENBREAKER.
   */
  send(headers: Record<string, string>, body: string, signal: AbortSignal): Promise<Reply> {
    const call = async (): Promise<Reply> => {
      this.requests++;
      const started = performance.now();
      const report = (outcome: TryOutcome, status?: number) =>
        this.observer.onTry?.({
          subgraph: this.serviceName,
          replica: this.url,
          durationMs: performance.now() - started,
          outcome,
          ...(status === undefined ? {} : { status }),
        });
      let reply: Reply;
      try {
        const response = await untilAborted(
          this.pool.request({
            path: this.path,
            method: "POST",
            headers: this.host ? { ...headers, host: this.host } : headers,
            body,
            signal,
          }),
          signal,
        );
        reply = { status: response.statusCode, headers: response.headers, body: await response.body.text() };
      } catch (error) {
        this.failures++;
        if (signal.aborted) {
          report("timeout");
          throw new AttemptTimeout("the try was abandoned at its deadline", { cause: error });
        }
        report("unreachable");
        this.observe(false, (error as Error).message);
        if (NOT_SERVING.has((error as { code?: string }).code ?? "")) {
          const probing = this.settings.healthCheck.intervalMs > 0;
          this.avoidUntil = probing
            ? Number.POSITIVE_INFINITY
            : Date.now() + this.settings.circuitBreaker.resetTimeoutMs;
        }
        throw new TransportError((error as Error).message, { cause: error });
      }
      this.observe(true);
      this.avoidUntil = 0;
      if (isFailureStatus(reply.status)) {
        this.failures++;
        report("failure_status", reply.status);
        throw new FailureStatus(reply);
      }
      report("ok", reply.status);
      return reply;
    };
    return this.breaker ? this.breaker.fire(call) : call();
  }

  /** Active health check: GraphQL `{ __typename }`, or `GET healthCheck.path`. Never throws. */
  async probe(): Promise<void> {
    const { path, timeoutMs } = this.settings.healthCheck;
    try {
      const response = await this.pool.request({
        path: path ?? this.path,
        method: path ? "GET" : "POST",
        headers: {
          ...(path ? {} : this.sign(HEALTH_QUERY, { "content-type": "application/json" })),
          ...(this.host ? { host: this.host } : {}),
          // A probe is no one's request: a trace that is not sampled keeps it out of traced subgraphs' spans.
          [TRACEPARENT_HEADER]: formatTraceparent({ traceId: newTraceId(), sampled: false }, newSpanId()),
        },
        ...(path ? {} : { body: HEALTH_QUERY }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.body.text();
      const ok =
        response.statusCode >= 200 &&
        response.statusCode < 300 &&
        (path !== undefined || (JSON.parse(text) as { data?: { __typename?: unknown } }).data?.__typename === "Query");
      this.avoidUntil = ok ? 0 : Number.POSITIVE_INFINITY;
      this.observe(ok, ok ? undefined : `health check answered HTTP ${response.statusCode}`);
    } catch (error) {
      this.avoidUntil = Number.POSITIVE_INFINITY;
      const reason =
        (error as Error).name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : (error as Error).message;
      this.observe(false, `health check failed: ${reason}`);
    }
  }

  private observe(reachable: boolean, error?: string): void {
    if (this.reachable !== reachable) {
      const fields = { subgraph: this.serviceName, replica: this.url, ...(error ? { reason: error } : {}) };
      if (reachable) this.logger.info(fields, "replica reachable");
      else this.logger.warn(fields, "replica unreachable");
    }
    this.reachable = reachable;
    this.checkedAt = Date.now();
    this.lastError = reachable ? undefined : error;
  }

  status(): ReplicaStatus {
    return {
      url: this.url,
      reachable: this.reachable,
      circuit: this.circuit,
      checkedAt: this.checkedAt === undefined ? null : new Date(this.checkedAt).toISOString(),
      ...(this.lastError ? { error: this.lastError } : {}),
      requests: this.requests,
      failures: this.failures,
    };
  }

  /** Drops its connections and stops its breaker's timers. */
  async close(): Promise<void> {
    this.breaker?.shutdown();
    await this.pool.destroy();
  }
}
