import { ErrorCode } from "@supergraph/error-codes";
import type { Logger, Tracing } from "@supergraph/service-kit";
import { type LookupAll, resolveTargets, systemLookup } from "./discovery.js";
import { circuitOpen, SubgraphFetchError, timedOut, unavailable } from "./errors.js";
import type { UpstreamObserver } from "./observer.js";
import {
  AttemptTimeout,
  FailureStatus,
  Replica,
  type ReplicaStatus,
  type ReplicaTarget,
  type Reply,
  type RequestSigner,
  TransportError,
} from "./replica.js";
import { backoffDelay, sleep as defaultSleep, parseRetryAfter, RETRYABLE_STATUSES } from "./retry.js";
import type { SubgraphSettings } from "./settings.js";
import { startTry } from "./trySpan.js";

/** One request to a subgraph, as the router's gateway adapter hands it over. */
export interface SubgraphRequest {
  /** Sent as they are (the body is JSON). */
  headers: Record<string, string>;
  body: string;
  /** Whether it may be sent more than once: true for queries, never for mutations. */
  retryable: boolean;
}

/** Overridable in tests (lookup, sleep, random); `sign` decorates every try and probe (default: sent as given). */
export interface UpstreamDeps {
  lookup?: LookupAll;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  sign?: RequestSigner;
  /** Told of every try, retry and fetch (metrics, the status page). Default: none. */
  observer?: UpstreamObserver;
  /** Tracing: each try is a client span (`subgraph.try`) whose `traceparent` the try carries. Default: none. */
  tracing?: Tracing;
}

/** What `/ready` reports about one subgraph. */
export interface SubgraphStatus {
  /** up: every replica usable; degraded: some; down: none (unreachable or circuit open). */
  status: "up" | "degraded" | "down";
  replicas: ReplicaStatus[];
}

const usable = (replica: Replica) => replica.reachable !== false && replica.circuit !== "open";

/**
 * One subgraph as the router sees it: its replicas, and `send`, the one call that takes a request
 * to it. `send` load-balances (round robin over the replicas whose circuit lets calls through,
 * preferring those not known to be down), retries what the request says may be retried on
 * connection failures and 429/502/503/504 with jittered backoff and `Retry-After`, and bounds the
 * whole call by `timeoutMs`. It knows nothing of GraphQL gateways: the router's adapter does.
 */
export class Upstream implements AsyncDisposable {
  private replicas: Replica[] = [];
  private next = 0;
  private urls: readonly string[];
  private discovered: Promise<void> = Promise.resolve();
  private discoveryError: string | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;
  private readonly lookup: LookupAll;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly sign: RequestSigner | undefined;
  private readonly observer: UpstreamObserver;
  private readonly tracing: Tracing | undefined;

  constructor(
    readonly name: string,
    readonly settings: SubgraphSettings,
    supergraphUrl: string,
    private readonly logger: Logger,
    deps: UpstreamDeps = {},
  ) {
    this.lookup = deps.lookup ?? systemLookup;
    this.sleep = deps.sleep ?? defaultSleep;
    this.random = deps.random ?? Math.random;
    this.sign = deps.sign;
    this.observer = deps.observer ?? {};
    this.tracing = deps.tracing;
    this.urls = settings.urls ?? [supergraphUrl];
    this.discover();
    const { intervalMs } = settings.healthCheck;
    if (intervalMs > 0) {
      void this.discovered.then(() => this.probeAll());
      this.timers.push(setInterval(() => this.probeAll(), intervalMs).unref());
    }
    if (settings.discovery === "dns") {
      this.timers.push(setInterval(() => this.discover(), settings.dnsRefreshMs).unref());
    }
  }

  /** The supergraph gave this subgraph a new routing URL (used only when no replica URLs are configured). */
  setSupergraphUrl(url: string): void {
    if (this.settings.urls || (this.urls.length === 1 && this.urls[0] === url)) return;
    this.urls = [url];
    this.discover();
  }

  /** (Re)builds the replica list from the URLs, resolving host names for DNS discovery. */
  private discover(): void {
    const urls = this.urls;
    this.discovered = (async () => {
      try {
        const targets: ReplicaTarget[] =
          this.settings.discovery === "dns" ? await resolveTargets(urls, this.lookup) : urls.map((url) => ({ url }));
        this.discoveryError = undefined;
        if (this.closed) return;
        const keep = new Map(this.replicas.map((replica) => [replica.key, replica]));
        const replicas = targets.map((target) => {
          const key = `${target.url}|${target.host ?? ""}`;
          const existing = keep.get(key);
          keep.delete(key);
          return existing ?? new Replica(this.name, target, this.settings, this.logger, this.sign, this.observer);
        });
        if (keep.size > 0 || replicas.some((replica) => !this.replicas.includes(replica))) {
          this.logger.info({ subgraph: this.name, replicas: replicas.map((r) => r.url) }, "subgraph replicas");
        }
        this.replicas = replicas;
        for (const removed of keep.values()) void removed.close();
      } catch (error) {
        this.discoveryError = (error as Error).message;
        this.logger.warn({ subgraph: this.name, err: error }, "subgraph discovery failed; keeping the known replicas");
      }
    })();
  }

  /** The first DNS resolution may still be running: wait for it, at most until the deadline. */
  private async waitForDiscovery(deadline: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
    });
    await Promise.race([this.discovered, expired]).finally(() => clearTimeout(timer));
  }

  private probeAll(): void {
    if (!this.closed) for (const replica of this.replicas) void replica.probe();
  }

  /** Round robin over replicas whose circuit lets a call through, preferring untried ones and those not known to be down. */
  private pick(tried: ReadonlySet<Replica>): Replica | undefined {
    const open = this.replicas.filter((replica) => replica.available);
    const untried = open.filter((replica) => !tried.has(replica));
    const candidates = untried.length > 0 ? untried : open;
    const healthy = candidates.filter((replica) => !replica.avoided);
    const choices = healthy.length > 0 ? healthy : candidates;
    if (choices.length === 0) return undefined;
    this.next = (this.next + 1) % Number.MAX_SAFE_INTEGER;
    return choices[this.next % choices.length];
  }

  /**
   * Sends one request: resolves with the reply (2xx, or the last failing HTTP reply once retries
   * are spent or not allowed), or rejects with a SubgraphFetchError carrying a stable code
   * (SUBGRAPH_UNAVAILABLE, SUBGRAPH_TIMEOUT, CIRCUIT_OPEN) when no reply could be had.
   */
  async send(request: SubgraphRequest): Promise<Reply> {
    const tries = { count: 0 };
    if (!this.observer.onFetch) return this.trySend(request, tries);
    const started = performance.now();
    let outcome = "ok";
    try {
      return await this.trySend(request, tries);
    } catch (error) {
      outcome = error instanceof SubgraphFetchError ? error.code : ErrorCode.INTERNAL_SERVER_ERROR;
      throw error;
    } finally {
      this.observer.onFetch({
        subgraph: this.name,
        durationMs: performance.now() - started,
        outcome,
        tries: tries.count,
      });
    }
  }

  /** `send`'s tries, counted in `tries`. */
  private async trySend({ headers, body, retryable }: SubgraphRequest, tries: { count: number }): Promise<Reply> {
    const { timeoutMs, retry } = this.settings;
    const deadline = Date.now() + timeoutMs;
    const maxAttempts = retryable ? retry.maxAttempts : 1;

    if (this.replicas.length === 0) await this.waitForDiscovery(deadline);
    const tried = new Set<Replica>();
    let failure: SubgraphFetchError | undefined;
    let lastReply: Reply | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw timedOut(this.name, timeoutMs);
      const replica = this.pick(tried);
      if (!replica) break;
      tried.add(replica);
      tries.count++;
      const perAttempt = retry.perAttemptTimeoutMs > 0 && retry.perAttemptTimeoutMs < remaining;
      const controller = new AbortController();
      const timer = setTimeout(
        () => controller.abort(new AttemptTimeout()),
        perAttempt ? retry.perAttemptTimeoutMs : remaining,
      );
      let delay = backoffDelay(attempt, retry, this.random);
      let reply: Reply | undefined;
      const span = this.tracing ? startTry(this.tracing, this.name, replica.url, attempt) : undefined;
      try {
        const signed = this.sign ? this.sign(body, headers) : headers;
        reply = await replica.send(span ? { ...signed, ...span.headers } : signed, body, controller.signal);
      } catch (error) {
        clearTimeout(timer);
        span?.failed(error);
        if ((error as { code?: unknown }).code === "EOPENBREAKER") {
          attempt--; // its circuit closed the door between pick and call: not a try
          continue;
        }
        if (error instanceof FailureStatus) {
          lastReply = error.reply;
          failure = undefined;
          if (!RETRYABLE_STATUSES.has(error.reply.status)) break;
          const header = error.reply.headers["retry-after"];
          const retryAfter = parseRetryAfter(Array.isArray(header) ? header[0] : header);
          if (retryAfter !== undefined && retryAfter > retry.maxRetryAfterMs) break;
          delay = Math.max(delay, retryAfter ?? 0);
        } else if (error instanceof AttemptTimeout) {
          lastReply = undefined;
          failure = timedOut(this.name, perAttempt ? retry.perAttemptTimeoutMs : timeoutMs);
          if (!perAttempt) break;
        } else if (error instanceof TransportError) {
          lastReply = undefined;
          failure = unavailable(this.name, "it could not be reached", error);
        } else {
          throw error;
        }
        this.logger.debug({ subgraph: this.name, replica: replica.url, attempt, err: error }, "subgraph try failed");
        if (attempt >= maxAttempts || Date.now() + delay >= deadline) break;
        this.observer.onRetry?.({ subgraph: this.name, attempt });
        if (delay > 0) await this.sleep(delay);
        continue;
      }
      clearTimeout(timer);
      span?.answered(reply);
      return reply;
    }
    // Out of tries: the last HTTP reply goes back (the caller reports its status), else the last
    // failure; nothing tried at all means every circuit is open.
    if (lastReply) return lastReply;
    if (failure) throw failure;
    if (this.replicas.length === 0) {
      throw unavailable(
        this.name,
        `no replica address is known${this.discoveryError ? ` (${this.discoveryError})` : ""}`,
      );
    }
    throw circuitOpen(this.name);
  }

  status(): SubgraphStatus {
    const replicas = this.replicas.map((replica) => replica.status());
    const up = this.replicas.filter(usable).length;
    return {
      status: up === this.replicas.length && up > 0 ? "up" : up > 0 ? "degraded" : "down",
      replicas,
    };
  }

  /** Stops its probes and DNS refreshes, and closes every replica's pool. Also `await using`. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all(this.replicas.map((replica) => replica.close()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
