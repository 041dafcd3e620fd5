/**
 * A worker of a router with several workers (`server.workers` > 1): the whole router, as a single
 * process runs it, listening on the ports it shares with the other workers, except that `/ready` and
 * `/metrics` answer for the whole router (asked of the primary, which asks every worker) and that
 * it stops when the primary says so, or when the primary is gone.
 */
import { randomUUID } from "node:crypto";
import {
  closeAndExit,
  continueTrace,
  type Route,
  type RouteRequest,
  type RouteResponse,
} from "@supergraph/service-kit";
import { buildRouter } from "../buildRouter.js";
import {
  type Answer,
  isMessage,
  type LocalReadiness,
  type Message,
  message,
  PendingQuestions,
  type Question,
  type Send,
} from "./messages.js";
import { clusterReadiness } from "./readiness.js";

/**
 * How long a worker waits for the primary's answer about the whole router: longer than the
 * primary waits for each worker (LOCAL_TIMEOUTS_MS), so a worker that does not answer is reported.
 */
export const CLUSTER_TIMEOUTS_MS = { ready: 2500, metrics: 5000 } as const;

const toPrimary: Send = (body: Message, failed) => {
  if (!process.connected || !process.send) {
    failed();
    return;
  }
  process.send(body, undefined, {}, (error: Error | null) => {
    if (error) failed();
  });
};

/** A request of no client: what a route's own handler gets when the primary asks for its answer. */
const primaryRequest = (): RouteRequest => ({
  headers: {},
  accepts: () => false,
  ip: "127.0.0.1",
  requestId: randomUUID(),
  locals: new Map(),
  trace: continueTrace(undefined),
  summary: {},
});

const asLocal = (response: RouteResponse): LocalReadiness =>
  response && "json" in response ? { status: response.status, json: response.json } : { status: 503, json: {} };

/** Runs one worker: builds the router, listens, and serves until told to stop; then exits. */
export async function runWorker(): Promise<void> {
  const pending = new PendingQuestions();
  let ownReady: Route["handle"] | undefined;
  let snapshot: (() => Promise<Answer>) | undefined;
  let stop: ((reason: string) => void) | undefined;
  let stopRequested: string | undefined;
  const requestStop = (reason: string) => {
    if (stop) stop(reason);
    else stopRequested ??= reason;
  };

  /** This worker's own answers, for the primary; before the router is built: starting, no metrics. */
  const answerLocal = async (question: Question): Promise<Answer> => {
    if (question.kind !== "local") return { error: "a worker answers only for itself" };
    try {
      if (question.what === "ready") {
        return ownReady
          ? { local: asLocal(await ownReady(primaryRequest())) }
          : { local: { status: 503, json: { status: "not_ready", reason: "starting" } } };
      }
      return snapshot ? await snapshot() : { snapshot: [] };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  };
  process.on("message", (raw: unknown) => {
    if (!isMessage(raw)) return;
    if (raw.kind === "reply") pending.settle(raw.id, raw.answer);
    else if (raw.kind === "ask") {
      const { id } = raw;
      void answerLocal(raw.question).then((answer) => toPrimary(message({ kind: "reply", id, answer }), () => {}));
    } else if (raw.kind === "shutdown") requestStop("the primary is shutting down");
  });
  // The primary is gone (killed): no one would stop this worker.
  process.on("disconnect", () => requestStop("the primary is gone"));
  // A terminal's Ctrl-C reaches every process of the group, and the primary then asks as well: drain once.
  process.on("SIGTERM", () => requestStop("SIGTERM"));
  process.on("SIGINT", () => requestStop("SIGINT"));
  toPrimary(message({ kind: "hello" }), () => {});

  const { service, config, logger, tracing } = await buildRouter();
  const total = config.router.server.workers;
  if (config.METRICS && service.metrics) {
    const metrics = service.metrics;
    snapshot = async () => ({ snapshot: await metrics.snapshot() });
    service.replaceRoute("/metrics", async () => {
      const answer = await pending.ask(toPrimary, { kind: "cluster", what: "metrics" }, CLUSTER_TIMEOUTS_MS.metrics);
      if ("metrics" in answer) {
        return { status: 200, body: answer.metrics.text, contentType: answer.metrics.contentType };
      }
      const reason = "error" in answer ? answer.error : "unexpected answer";
      logger.warn({ reason }, "the router's metrics could not be gathered");
      return {
        status: 503,
        body: `The router's metrics could not be gathered from its workers: ${reason}\n`,
        contentType: "text/plain; charset=utf-8",
      };
    });
  }
  const own = service.replaceRoute("/ready", async (request) => {
    const [mine, gathered] = await Promise.all([
      own(request),
      pending.ask(toPrimary, { kind: "cluster", what: "ready" }, CLUSTER_TIMEOUTS_MS.ready),
    ]);
    return clusterReadiness(asLocal(mine), gathered, total);
  });
  ownReady = own;

  let stopping = false;
  let listened: Promise<unknown> = Promise.resolve();
  stop = (reason) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, "shutting down");
    // A listen under way finishes first, so closing finds the listeners it must close.
    void listened.catch(() => {}).then(() => closeAndExit(service, logger, tracing));
  };
  if (stopRequested !== undefined) {
    stop(stopRequested);
    return;
  }

  const listening = service.listen(config.PORT, config.HOST);
  listened = listening;
  const address = await listening;
  if (stopping) return;
  logger.info({ port: address.port, host: address.address }, "listening");
  const internal = service.internalServer?.address();
  if (internal && typeof internal === "object") {
    logger.info({ port: internal.port, host: internal.address }, "internal endpoints listening (not for the public)");
  }
  toPrimary(
    message({
      kind: "listening",
      port: address.port,
      address: address.address,
      ...(internal && typeof internal === "object" ? { internalPort: internal.port } : {}),
    }),
    () => {},
  );
}
