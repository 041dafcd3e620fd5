/**
 * The primary of a router with several workers (`server.workers` > 1): forks the workers (Node's
 * cluster module; they share the router's ports), restarts one that exits unexpectedly (with
 * backoff, giving up on a crash loop), answers their questions about the whole router (readiness
 * of every worker, every worker's metrics aggregated), and on SIGTERM or SIGINT drains them all.
 * It serves no request itself.
 */
import cluster, { type Worker } from "node:cluster";
import { aggregateMetrics, type Logger, type MetricsSnapshot, ServiceMetrics } from "@supergraph/service-kit";
import type { Config } from "../config.js";
import {
  type Answer,
  type ClusterReadiness,
  isMessage,
  type Message,
  message,
  PendingQuestions,
  type Question,
  type Send,
  WORKER_VARIABLE,
} from "./messages.js";

/** When a worker that exits unexpectedly is started again, and when the primary gives up. */
export interface RestartPolicy {
  /** Restarts allowed within `windowMs`; one more unexpected exit and the router stops (exit 1). Default: 5. */
  maxRestarts: number;
  /** Default: 60000 ms. */
  windowMs: number;
  /** Wait before the first restart of a run; doubles with each restart in the window. Default: 250 ms. */
  initialDelayMs: number;
  /** Longest wait before a restart. Default: 8000 ms. */
  maxDelayMs: number;
}

export const RESTART_DEFAULTS: RestartPolicy = {
  maxRestarts: 5,
  windowMs: 60_000,
  initialDelayMs: 250,
  maxDelayMs: 8000,
};

/** How long the primary waits for one worker's own readiness or metrics before leaving it out. */
export const LOCAL_TIMEOUTS_MS = { ready: 1000, metrics: 2000 } as const;

/** Longest a shutdown may take (each worker drains for at most 10 s); then the workers left are killed. */
const SHUTDOWN_TIMEOUT_MS = 30_000;

/** Where the first worker listens, for the banner. */
export interface Listening {
  port: number;
  address: string;
  internalPort?: number;
}

export interface PrimaryOptions {
  config: Config;
  /** Workers to run (2..64). */
  workers: number;
  /** The primary's logger (its lines carry `worker: 0`). */
  logger: Logger;
  /** Called once, when every first worker listens (e.g. to print where to open Sandbox). */
  onListening?: (listening: Listening) => void;
  restart?: Partial<RestartPolicy>;
}

/**
 * The environment of every worker: marked as this primary's worker, with the resolved worker count,
 * and without Redis (rate limits counted in each worker's memory) a per-client rate limit divided
 * by the workers, so a client never gets more than `rateLimit.requests` per window in all (but one
 * whose requests all land on one worker gets only its share). `rateLimit` says what was divided, to log.
 */
export function workerEnvironment(
  config: Pick<Config, "PROTECTIONS" | "REDIS_URL" | "router">,
  workers: number,
): { env: Record<string, string>; rateLimit?: { requests: number; perWorker: number } } {
  const env: Record<string, string> = { [WORKER_VARIABLE]: "1", ROUTER_SERVER__WORKERS: String(workers) };
  const { rateLimit } = config.router.security;
  if (!config.PROTECTIONS || !rateLimit.enabled || config.REDIS_URL) return { env };
  const perWorker = Math.max(1, Math.floor(rateLimit.requests / workers));
  env.ROUTER_RATE_LIMIT__REQUESTS = String(perWorker);
  return { env, rateLimit: { requests: rateLimit.requests, perWorker } };
}

/**
 * What to do about a worker's unexpected exit at `now`, given when the earlier ones happened: start
 * another after `delayMs` (doubling with each exit in the window), or give up once more than
 * `maxRestarts` happened within `windowMs`. `exits` is the window's exits, this one included.
 */
export function restartDecision(
  earlier: readonly number[],
  now: number,
  policy: RestartPolicy,
): { exits: number[]; giveUp: boolean; delayMs: number } {
  const exits = [...earlier.filter((time) => now - time < policy.windowMs), now];
  const delayMs = Math.min(policy.initialDelayMs * 2 ** (exits.length - 1), policy.maxDelayMs);
  return { exits, giveUp: exits.length > policy.maxRestarts, delayMs };
}

/** A worker and what it has told the primary. */
interface Slot {
  worker: Worker;
  /** It answers questions (its IPC handlers are in place). */
  hello: boolean;
  listening: boolean;
}

const sendTo =
  (worker: Worker): Send =>
  (body, failed) => {
    if (!worker.isConnected()) {
      failed();
      return;
    }
    worker.send(body, (error) => {
      if (error) failed();
    });
  };

/** Runs the primary until the router stops; exits the process (0 after a clean drain, else 1). */
export function runPrimary({ config, workers, logger, onListening, restart = {} }: PrimaryOptions): void {
  const policy = { ...RESTART_DEFAULTS, ...restart };
  const { env, rateLimit } = workerEnvironment(config, workers);
  if (rateLimit) {
    logger.warn(
      { workers, requests: rateLimit.requests, perWorker: rateLimit.perWorker },
      "no REDIS_URL: each worker counts rate limits in its own memory, so each allows requests / workers per client (set REDIS_URL for one exact count across workers)",
    );
  }
  if (!config.REDIS_URL) {
    logger.info(
      "no REDIS_URL: automatic persisted queries (APQ) are kept per worker; a client re-registers a hash a worker does not know",
    );
  }
  // Structured clone: metric snapshots keep NaN and infinities.
  cluster.setupPrimary({ serialization: "advanced" });

  const running = new Map<number, Slot>();
  const pending = new PendingQuestions();
  /** When the unexpected exits of the current window happened. */
  let exits: number[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let started = false;
  let stopping = false;
  let exitCode = 0;

  // The primary's own series, with its process metrics (summed with the workers': the whole router's CPU and memory).
  const metrics = new ServiceMetrics();
  metrics.gauge({
    name: "router_workers",
    help: "Router worker processes running (server.workers; absent with a single process).",
    collect() {
      this.set(running.size);
    },
  });
  metrics.gauge({
    name: "router_worker_info",
    help: "One series per running router worker: its cluster id and process id (value 1).",
    labelNames: ["worker", "pid"],
    collect() {
      this.reset();
      for (const { worker } of running.values())
        this.labels(String(worker.id), String(worker.process.pid ?? "")).set(1);
    },
  });
  const restarts = metrics.counter({
    name: "router_worker_restarts_total",
    help: "Router workers started again after an unexpected exit.",
  });

  const fork = () => {
    const worker = cluster.fork(env);
    running.set(worker.id, { worker, hello: false, listening: false });
    logger.info({ started: worker.id, pid: worker.process.pid }, "worker starting");
  };

  const askEach = async <T>(
    what: Question["what"],
    timeoutMs: number,
    read: (answer: Answer) => T | null,
  ): Promise<{ slot: Slot; value: T | null }[]> =>
    Promise.all(
      [...running.values()].map(async (slot) => {
        if (!slot.hello) return { slot, value: null };
        const answer = await pending.ask(sendTo(slot.worker), { kind: "local", what }, timeoutMs);
        if ("error" in answer)
          logger.debug({ asked: slot.worker.id, what, reason: answer.error }, "worker did not answer");
        return { slot, value: read(answer) };
      }),
    );

  const readiness = async (): Promise<ClusterReadiness> => {
    const answers = await askEach("ready", LOCAL_TIMEOUTS_MS.ready, (answer) =>
      "local" in answer ? answer.local : null,
    );
    return {
      total: workers,
      workers: answers.map(({ slot, value }) => ({
        worker: slot.worker.id,
        pid: slot.worker.process.pid,
        answer: value,
      })),
    };
  };

  const clusterMetrics = async () => {
    const answers = await askEach("metrics", LOCAL_TIMEOUTS_MS.metrics, (answer) =>
      "snapshot" in answer ? answer.snapshot : null,
    );
    const snapshots = answers.map(({ value }) => value).filter((value): value is MetricsSnapshot => value !== null);
    return aggregateMetrics([await metrics.snapshot(), ...snapshots]);
  };

  const answer = async (question: Question): Promise<Answer> => {
    if (question.kind !== "cluster") return { error: "the primary answers only for the whole router" };
    try {
      return question.what === "ready" ? { ready: await readiness() } : { metrics: await clusterMetrics() };
    } catch (error) {
      logger.error({ err: error, what: question.what }, "could not answer a worker");
      return { error: error instanceof Error ? error.message : String(error) };
    }
  };

  cluster.on("message", (worker: Worker, raw: unknown) => {
    if (!isMessage(raw)) return;
    const slot = running.get(worker.id);
    handle(worker, slot, raw);
  });

  const handle = (worker: Worker, slot: Slot | undefined, received: Message) => {
    switch (received.kind) {
      case "hello":
        if (slot) slot.hello = true;
        return;
      case "listening": {
        if (!slot) return;
        slot.listening = true;
        if (
          !started &&
          !stopping &&
          running.size === workers &&
          [...running.values()].every((each) => each.listening)
        ) {
          started = true;
          logger.info(
            { workers, pids: [...running.values()].map((each) => each.worker.process.pid) },
            "every worker listens",
          );
          const { port, address, internalPort } = received;
          onListening?.({ port, address, ...(internalPort === undefined ? {} : { internalPort }) });
        }
        return;
      }
      case "ask":
        void answer(received.question).then((reply) =>
          sendTo(worker)(message({ kind: "reply", id: received.id, answer: reply }), () => {}),
        );
        return;
      case "reply":
        pending.settle(received.id, received.answer);
        return;
      default:
        return;
    }
  };

  cluster.on("exit", (worker, code, signal) => {
    const slot = running.get(worker.id);
    running.delete(worker.id);
    if (!slot) return;
    const exited = { exited: worker.id, pid: worker.process.pid, code, signal };
    if (stopping) {
      // SIGTERM ends a worker still loading its modules (no handler yet): that is a clean stop too.
      if (code !== 0 && !(code === null && signal === "SIGTERM")) exitCode = 1;
      logger.info(exited, "worker stopped");
      if (running.size === 0) finish();
      return;
    }
    if (!started) {
      // A worker that cannot start (its output says why) would fail again: stop, as a single router would.
      logger.error(exited, "a worker failed to start: stopping the router");
      shutdown(code === null || code === 0 ? 1 : code);
      return;
    }
    const decision = restartDecision(exits, Date.now(), policy);
    exits = decision.exits;
    if (decision.giveUp) {
      logger.fatal(
        { ...exited, restarts: policy.maxRestarts, windowMs: policy.windowMs },
        "workers keep exiting: giving up and stopping the router",
      );
      shutdown(1);
      return;
    }
    const { delayMs } = decision;
    logger.error({ ...exited, restartInMs: delayMs }, "worker exited unexpectedly; starting another");
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (stopping) return;
      restarts.inc();
      fork();
    }, delayMs);
    timers.add(timer);
  });

  /** Every worker drains (its graceful shutdown); the primary exits once all have exited. */
  const shutdown = (code: number) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    if (running.size === 0) {
      finish();
      return;
    }
    for (const { worker, hello } of running.values()) {
      // One still loading its modules would not hear the message: a signal ends it.
      if (hello) sendTo(worker)(message({ kind: "shutdown" }), () => worker.process.kill("SIGTERM"));
      else worker.process.kill("SIGTERM");
    }
    setTimeout(() => {
      logger.error(
        { left: running.size, timeoutMs: SHUTDOWN_TIMEOUT_MS },
        "workers did not stop in time: killing them",
      );
      killAll();
      exitCode = 1;
    }, SHUTDOWN_TIMEOUT_MS).unref();
  };
  const killAll = () => {
    for (const { worker } of running.values()) worker.process.kill("SIGKILL");
  };
  const finish = () => {
    logger.info({ code: exitCode }, "stopped");
    logger.flush();
    process.exit(exitCode);
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: killing the workers and exiting now");
      killAll();
      logger.flush();
      process.exit(1);
    }
    logger.info({ signal, workers: running.size }, "shutting down: every worker drains");
    shutdown(0);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  logger.info({ workers, rateLimit: rateLimit ? "divided" : "as configured" }, "starting workers");
  for (let index = 0; index < workers; index++) fork();
}
