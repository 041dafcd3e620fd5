import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { arch, cpus, platform, release, totalmem } from "node:os";

/**
 * Where processes run during a race: the servers under test alone on one CPU, everything else (the
 * load generator, the services behind them) on another, so they do not steal each other's time.
 * Without `taskset` or a second CPU, nothing is pinned (and the figures are noisier).
 */
export interface Pinning {
  available: boolean;
  /** The CPU of the servers under test. */
  measured: string;
  /** The CPU of everything else. */
  others: string;
  /** The command line `command args`, wrapped to run on `cpu` (unchanged when pinning is not available). */
  wrap(cpu: string, command: string, args: readonly string[]): [string, ...string[]];
}

function findTaskset(): string | undefined {
  try {
    return execFileSync("sh", ["-c", "command -v taskset"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Pins this process (the load generator) to the "others" CPU, and says how to pin the rest. */
export function pinProcesses(): Pinning {
  const taskset = findTaskset();
  const available = taskset !== undefined && cpus().length >= 2;
  const pinning: Pinning = {
    available,
    measured: "0",
    others: "1",
    wrap: (cpu, command, args) => (available && taskset ? [taskset, "-c", cpu, command, ...args] : [command, ...args]),
  };
  if (available && taskset)
    execFileSync(taskset, ["-a", "-c", "-p", pinning.others, String(process.pid)], { stdio: "ignore" });
  return pinning;
}

/** CPU seconds (user + system) process `pid` has used so far (Linux /proc). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
}

/** Resident memory of process `pid` now and at its peak, in MiB (Linux /proc). */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const read = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN) / 1024;
  return { rss: read("VmRSS"), peak: read("VmHWM") };
}

/**
 * Starts process `pid`'s peak resident memory (VmHWM) afresh from its size now, so that `memoryMiB`'s
 * `peak` covers what follows only (Linux: 5 written to /proc/<pid>/clear_refs). False where that is
 * not allowed: the peak then covers the process's whole life.
 */
export function resetPeakMemory(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** The machine a benchmark ran on, for its report. */
export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
}

/** This machine: its CPUs (count and model), memory, Node version and OS. */
export function machineInfo(): MachineInfo {
  const all = cpus();
  return {
    cpus: all.length,
    cpuModel: all[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${platform()} ${release()} ${arch()}`,
  };
}
