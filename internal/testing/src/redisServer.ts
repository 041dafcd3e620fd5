/**
 * A throwaway Redis server for tests: Debian's `redis-server` on a free port of 127.0.0.1, with no
 * persistence (nothing written to disk), stopped by its own process id. Tests never touch a Redis
 * they did not start.
 */
import { spawnSync } from "node:child_process";
import { Socket } from "node:net";
import { freePort } from "./freePort.js";
import { type RunningProcess, startProcess } from "./processes.js";

const COMMAND = "redis-server";

/**
 * Why the Redis tests cannot run here (no `redis-server` on PATH), or undefined when they can. With
 * `REQUIRE_REDIS=1` in the environment a missing server is an error instead (CI, where it must run).
 */
export function redisServerMissing(): string | undefined {
  const found = spawnSync(COMMAND, ["--version"], { stdio: "ignore" });
  if (found.status === 0) return undefined;
  const reason = `${COMMAND} is not installed (as root: apt-get install -y redis-server)`;
  if (process.env.REQUIRE_REDIS === "1") throw new Error(`REQUIRE_REDIS=1 but ${reason}`);
  return reason;
}

export interface RedisServer extends AsyncDisposable {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** The server's process id while it runs; undefined once stopped or killed. */
  readonly pid: number | undefined;
  /** SIGKILLs the server (a crash: connections drop at once) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: nothing was persisted) and waits until it answers PING. */
  start(): Promise<void>;
  /** What the server has printed (all its runs). */
  logs(): string;
  /** Stops it (SIGTERM). Also `await using`. */
  stop(): Promise<void>;
}

/** Whether something on `port` answers Redis's PING with PONG within `timeoutMs`. */
export function pingRedis(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let answer = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString();
      if (answer.includes("\r\n")) done(answer.startsWith("+PONG"));
    });
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
  });
}

/**
 * Starts `redis-server` on a free port (or `port`) of 127.0.0.1, without persistence, and waits
 * (at most `startTimeoutMs`) until it answers PING. Call `redisServerMissing()` first to skip where
 * it is not installed.
 */
export async function startRedisServer({
  port: wanted,
  startTimeoutMs = 10_000,
}: {
  port?: number;
  startTimeoutMs?: number;
} = {}): Promise<RedisServer> {
  const port = wanted ?? (await freePort());
  const output: string[] = [];
  let child: RunningProcess | undefined;

  const start = async () => {
    if (child?.running) throw new Error(`redis-server on port ${port} is already running`);
    const started = startProcess(
      COMMAND,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { env: { PATH: process.env.PATH ?? "" } },
    );
    child = started;
    const deadline = Date.now() + startTimeoutMs;
    while (!(await pingRedis(port))) {
      if (!started.running || Date.now() > deadline) {
        await started.stop("SIGKILL");
        output.push(started.output());
        throw new Error(
          `redis-server did not answer on port ${port} within ${startTimeoutMs} ms:\n${started.output()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const end = async (signal: NodeJS.Signals) => {
    const running = child;
    if (!running) return;
    await running.stop(signal);
    output.push(running.output());
    child = undefined;
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child?.running ? child.child.pid : undefined;
    },
    kill: () => end("SIGKILL"),
    start,
    logs: () => [...output, child?.output() ?? ""].join(""),
    stop: () => end("SIGTERM"),
    [Symbol.asyncDispose]: () => end("SIGTERM"),
  };
}
