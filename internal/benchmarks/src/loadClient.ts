import { fileURLToPath } from "node:url";
import { REPO_ROOT, startProcess } from "@supergraph/testing";
import { tsxArgs } from "./tsx.js";

/** One run of the load generator: a request list sent to `url` for a while. */
export interface LoadJob {
  id: number;
  url: string;
  /** A JSON file holding a BenchRequest[]: sent in order, cycling, from its start. */
  requestsFile: string;
  /** Headers of every request (a request's own headers go on top). */
  headers: Record<string, string>;
  connections: number;
  durationSeconds: number;
}

/** What one run measured, as the load generator saw it. */
export interface LoadResult {
  id: number;
  /** Answers received. */
  requests: number;
  /** Requests sent (those in flight when the run stopped included). */
  sent: number;
  seconds: number;
  rps: number;
  /** Latency percentiles, ms. */
  p50: number;
  p90: number;
  p99: number;
  /** Connection errors, timeouts included. */
  transportErrors: number;
  timeouts: number;
  /** Answers with an HTTP status other than 2xx. */
  non2xx: number;
  /** 2xx answers holding GraphQL `errors`. */
  graphqlErrors: number;
}

/** The load generator's process, ready for jobs. */
export interface LoadGenerator {
  pid: number;
  run(job: Omit<LoadJob, "id">): Promise<LoadResult>;
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL("./loadGenerator.ts", import.meta.url));

type Message = LoadResult | { id: number; failure: string } | { ready: true };

/**
 * Starts the load generator as a process of its own (`wrap` pins it, e.g. with taskset) and waits
 * until it is ready. Jobs run one at a time.
 */
export async function startLoadGenerator(
  wrap: (command: string, args: readonly string[]) => [string, ...string[]],
): Promise<LoadGenerator> {
  const [command, ...args] = wrap(process.execPath, tsxArgs(SCRIPT));
  const child = startProcess(command, args, { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? "" }, ipc: true });
  const waiting = new Map<number, { resolve: (result: LoadResult) => void; reject: (error: Error) => void }>();
  let ready: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    ready = resolve;
  });
  child.child.on("message", (message: Message) => {
    if ("ready" in message) return ready();
    const job = waiting.get(message.id);
    waiting.delete(message.id);
    if ("failure" in message) job?.reject(new Error(`load generator: ${message.failure}`));
    else job?.resolve(message);
  });
  child.child.on("exit", (code) => {
    for (const job of waiting.values())
      job.reject(new Error(`the load generator exited (${code}):\n${child.output()}`));
    waiting.clear();
  });
  const outcome = await Promise.race([
    started.then(() => "ready" as const),
    child.exited(30_000).then((code) => (code === undefined ? "not ready within 30 s" : `exited (${code})`)),
  ]);
  if (outcome !== "ready") {
    await child.stop("SIGKILL");
    throw new Error(`the load generator ${outcome}:\n${child.output()}`);
  }
  let jobs = 0;
  return {
    pid: child.child.pid ?? 0,
    run: (job) =>
      new Promise<LoadResult>((resolve, reject) => {
        const id = ++jobs;
        waiting.set(id, { resolve, reject });
        child.child.send({ ...job, id } satisfies LoadJob);
      }),
    stop: () => child.stop(),
  };
}
