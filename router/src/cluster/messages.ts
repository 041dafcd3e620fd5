/**
 * What the primary and its workers say to each other over the cluster's IPC channel. Every message
 * carries `type: CLUSTER_MESSAGE`, so other users of the channel (none today) are left alone.
 */
import type { MetricsSnapshot } from "@supergraph/service-kit";

export const CLUSTER_MESSAGE = "supergraph:router-cluster";

/**
 * Set (to `1`) in the environment of the workers the primary forks: a process started by anything
 * else, even as a worker of another cluster (e.g. a process manager's), runs as a single router.
 */
export const WORKER_VARIABLE = "SUPERGRAPH_ROUTER_WORKER";

/** One worker's own `GET /ready` answer (its status code and body). */
export interface LocalReadiness {
  status: number;
  json: unknown;
}

/** A question one process asks the other, answered by `reply` with the same `id`. */
export type Question =
  /** worker -> primary: the whole router's readiness, or its metrics (for `GET /ready` and `GET /metrics`). */
  | { kind: "cluster"; what: "ready" | "metrics" }
  /** primary -> worker: this worker's own readiness, or its metrics snapshot. */
  | { kind: "local"; what: "ready" | "metrics" };

/** The whole router's readiness, as the primary gathered it. */
export interface ClusterReadiness {
  /** Workers configured (`server.workers`). */
  total: number;
  /** Each running worker's own answer, or null when it gave none in time (starting, hung). */
  workers: { worker: number; pid: number | undefined; answer: LocalReadiness | null }[];
}

export type Message =
  /** worker -> primary: its IPC handlers are in place (it answers questions from now on). */
  | { type: typeof CLUSTER_MESSAGE; kind: "hello" }
  /** worker -> primary: it listens (its main port, and its internal one when there is one). */
  | { type: typeof CLUSTER_MESSAGE; kind: "listening"; port: number; address: string; internalPort?: number }
  /** primary -> worker: drain and exit (the router is shutting down). */
  | { type: typeof CLUSTER_MESSAGE; kind: "shutdown" }
  | { type: typeof CLUSTER_MESSAGE; kind: "ask"; id: number; question: Question }
  | { type: typeof CLUSTER_MESSAGE; kind: "reply"; id: number; answer: Answer };

/** What a question gets back; `error` when it could not be answered. */
export type Answer =
  | { ready: ClusterReadiness }
  | { metrics: { text: string; contentType: string } }
  | { local: LocalReadiness }
  | { snapshot: MetricsSnapshot }
  | { error: string };

/** A message without its `type`. */
type Body<M = Message> = M extends Message ? Omit<M, "type"> : never;

/** A message of the cluster protocol, from its body. */
export const message = (body: Body): Message => ({ type: CLUSTER_MESSAGE, ...body }) as Message;

/** Whether something received on the channel is a message of this protocol. */
export const isMessage = (value: unknown): value is Message =>
  typeof value === "object" && value !== null && (value as { type?: unknown }).type === CLUSTER_MESSAGE;

/** Sends a message to the other process; `failed` is called when it cannot be delivered. */
export type Send = (message: Message, failed: () => void) => void;

/**
 * Questions sent and not yet answered, by id: `ask` sends one and resolves with its answer, or
 * with `{ error }` after `timeoutMs` (the other side is gone, hung or still starting).
 */
export class PendingQuestions {
  private next = 1;
  private readonly waiting = new Map<number, (answer: Answer) => void>();

  /** `send` sends the message, and calls `failed` if it cannot be delivered (the channel is closed). */
  ask(send: Send, question: Question, timeoutMs: number): Promise<Answer> {
    const id = this.next++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(id, { error: `no answer within ${timeoutMs} ms` }), timeoutMs);
      timer.unref();
      this.waiting.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      send(message({ kind: "ask", id, question }), () => this.settle(id, { error: "the IPC channel is closed" }));
    });
  }

  /** Hands an answer to the question it answers (one no longer waited for is dropped). */
  settle(id: number, answer: Answer): void {
    const resolve = this.waiting.get(id);
    this.waiting.delete(id);
    resolve?.(answer);
  }
}
