import type { Answer, LocalReadiness } from "./messages.js";

/** How one worker answered the primary's readiness question. */
export type WorkerReadiness = "ready" | "not_ready" | "no_answer";

/** The `workers` field of the whole router's `GET /ready` (several workers only). */
export interface WorkersReport {
  /** Workers configured (`server.workers`). */
  total: number;
  /** Workers that answered ready. */
  ready: number;
  /** Each running worker: its id, process id and answer (`no_answer`: none in time, e.g. starting or hung). */
  processes: { worker: number; pid: number | undefined; status: WorkerReadiness }[];
}

const bodyOf = (answer: LocalReadiness | null): { status?: unknown; degraded?: unknown } =>
  typeof answer?.json === "object" && answer.json !== null ? (answer.json as { status?: unknown }) : {};

const statusOf = (answer: LocalReadiness | null): WorkerReadiness =>
  answer === null ? "no_answer" : answer.status === 200 && bodyOf(answer).status === "ready" ? "ready" : "not_ready";

/**
 * The whole router's `GET /ready`, from the answering worker's own report (`own`: its view of the
 * supergraph, subgraphs and shared state) and what the primary gathered from every worker: 200
 * `ready` only when every configured worker answered ready in time, else 503 `not_ready`;
 * `degraded` when any worker's report is; plus `workers: { total, ready, processes }`. Without an
 * answer from the primary (`error`), not ready, with no worker counted.
 */
export function clusterReadiness(own: LocalReadiness, gathered: Answer, total: number): LocalReadiness {
  const workers = "ready" in gathered ? gathered.ready.workers : [];
  const processes = workers.map(({ worker, pid, answer }) => ({ worker, pid, status: statusOf(answer) }));
  const ready = processes.filter((process) => process.status === "ready").length;
  const configured = "ready" in gathered ? gathered.ready.total : total;
  const allReady = "ready" in gathered && ready === configured;
  const degraded = bodyOf(own).degraded === true || workers.some(({ answer }) => bodyOf(answer).degraded === true);
  const report: WorkersReport = { total: configured, ready, processes };
  return {
    status: allReady ? 200 : 503,
    json: {
      ...bodyOf(own),
      status: allReady ? "ready" : "not_ready",
      degraded,
      workers: report,
      ...("error" in gathered ? { reason: `the primary did not answer: ${gathered.error}` } : {}),
    },
  };
}
