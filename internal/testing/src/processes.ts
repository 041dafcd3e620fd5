import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

export interface ProcessOptions {
  cwd?: string;
  /** The child's whole environment. Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Kill it (SIGKILL) after this long. Default: never. */
  timeoutMs?: number;
  /** Open an IPC channel, collecting what the child sends with `process.send`. Default: false. */
  ipc?: boolean;
  /**
   * `startProcess` only: the child writes stdout and stderr to this file (appended) instead of a
   * pipe, and `output()` reads it. A busy parent then never slows a chatty child down (a pipe
   * nobody drains blocks a service's synchronous log writes), e.g. a benchmark's load generator.
   * Default: pipes.
   */
  logFile?: string;
}

export interface ProcessResult {
  /** Exit code; null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr as they were interleaved. */
  output: string;
  /** IPC messages, in order (with `ipc`). */
  messages: unknown[];
  /** True when `timeoutMs` ran out and it was killed. */
  timedOut: boolean;
}

/** A child process that is still running: its output so far, signals, and a bounded stop. */
export interface RunningProcess extends AsyncDisposable {
  readonly child: ChildProcess;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  readonly running: boolean;
  /** Sends a signal (SIGSTOP makes it hang: it keeps its sockets but answers nothing; SIGCONT resumes it). */
  signal(signal: NodeJS.Signals): void;
  /** Resolves with its exit code when it exits (null after a signal), or undefined if it still runs after `timeoutMs`. */
  exited(timeoutMs?: number): Promise<number | null | undefined>;
  /** Sends `signal` (default SIGTERM; a stopped process is resumed to handle it), SIGKILL after `graceMs`; waits for the exit. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

/**
 * Where `startProcess` leaves each service's output, when set (the test run's global setup sets it,
 * and scans the folder at the end: see logScan.ts).
 */
export const LOG_DIR_VARIABLE = "SUPERGRAPH_TEST_LOG_DIR";

let logged = 0;
/**
 * Leaves a stopped service's output in the run's log folder, when the test run keeps one (for its
 * scan). Only `startProcess` children (services) keep theirs: a command's output is its answer
 * (`npm run token` prints a token), not a log.
 */
function keepLog(command: string, args: readonly string[], output: string): void {
  const dir = process.env[LOG_DIR_VARIABLE];
  if (!dir || output === "") return;
  const script = args.find((arg) => !arg.startsWith("-")) ?? command;
  const name = `${process.pid}-${++logged}-${basename(script).replace(/[^\w.-]/g, "_")}.log`;
  writeFileSync(join(dir, name), output);
}

function collect(child: ChildProcess, timeoutMs: number | undefined) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const output: string[] = [];
  const messages: unknown[] = [];
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout.push(chunk.toString());
    output.push(chunk.toString());
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr.push(chunk.toString());
    output.push(chunk.toString());
  });
  child.on("message", (message) => messages.push(message));
  let timedOut = false;
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          child.kill("SIGKILL");
        }, timeoutMs);
  return {
    output: () => output.join(""),
    result: (code: number | null, signal: NodeJS.Signals | null): ProcessResult => {
      clearTimeout(timer);
      return {
        code,
        signal,
        stdout: stdout.join(""),
        stderr: stderr.join(""),
        output: output.join(""),
        messages,
        timedOut,
      };
    },
  };
}

function spawnChild(command: string, args: readonly string[], { cwd, env, ipc = false }: ProcessOptions): ChildProcess {
  return spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe", ...(ipc ? (["ipc"] as const) : [])] });
}

/** Runs a command to completion and collects what it printed. Resolves whatever its exit code; rejects only if it cannot start. */
export function runProcess(
  command: string,
  args: readonly string[],
  options: ProcessOptions = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawnChild(command, args, options);
    const collected = collect(child, options.timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => resolve(collected.result(code, signal)));
  });
}

/** Runs a Node.js script (`node <args>`) to completion, as `runProcess` does. */
export const runNode = (args: readonly string[], options: ProcessOptions = {}) =>
  runProcess(process.execPath, args, options);

/** A child writing stdout and stderr to `file`; its output is what the file holds. */
function spawnToFile(command: string, args: readonly string[], { cwd, env, timeoutMs }: ProcessOptions, file: string) {
  const fd = openSync(file, "a");
  try {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", fd, fd] });
    if (timeoutMs !== undefined) {
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.once("exit", () => clearTimeout(timer));
    }
    const output = () => {
      try {
        return readFileSync(file, "utf8");
      } catch {
        return "";
      }
    };
    return { child, output };
  } finally {
    closeSync(fd);
  }
}

/** Starts a long-running command (a service) and returns a handle to watch and stop it; `await using` stops it. */
export function startProcess(command: string, args: readonly string[], options: ProcessOptions = {}): RunningProcess {
  const { child, output } = options.logFile
    ? spawnToFile(command, args, options, options.logFile)
    : (() => {
        const piped = spawnChild(command, args, options);
        return { child: piped, output: collect(piped, options.timeoutMs).output };
      })();
  // A file is complete at the exit, and read before anything else hears of it (a shutdown may then
  // delete it); a pipe once it has been drained.
  child.once(options.logFile ? "exit" : "close", () => keepLog(command, args, output()));
  const isRunning = () => child.exitCode === null && child.signalCode === null;
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  child.on("error", () => {}); // a failed spawn shows as an exit; the output says why

  const exited = async (timeoutMs = 10_000) => {
    if (!isRunning()) return child.exitCode;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    return Promise.race([exit, timeout]).finally(() => clearTimeout(timer));
  };
  const stop = async (signal: NodeJS.Signals = "SIGTERM", graceMs = 10_000) => {
    if (!isRunning()) return;
    child.kill(signal);
    child.kill("SIGCONT"); // a process stopped with SIGSTOP handles nothing until resumed
    if ((await exited(graceMs)) === undefined) {
      child.kill("SIGKILL");
      await exit;
    }
  };
  return {
    child,
    output,
    get running() {
      return isRunning();
    },
    signal: (signal) => {
      if (isRunning()) child.kill(signal);
    },
    exited,
    stop,
    [Symbol.asyncDispose]: () => stop(),
  };
}
