import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runGatewayBench } from "./gatewayBench.js";
import type { BenchReport } from "./report.js";

describe("the gateway race (npm run bench), in small", () => {
  it("races our router against the plain gateway on real processes and writes its report as Markdown and JSON", async () => {
    const outDir = mkdtempSync(join(tmpdir(), "bench-smoke-"));
    const lines: string[] = [];
    try {
      // Bounded: two gateways, one workload, one round of 1 s at 2 connections, a tiny dataset, then
      // the writes (our router alone). No figure is judged, only that there are figures.
      const { report, markdown, files } = await runGatewayBench({
        gateways: ["ours", "plain"],
        workloads: ["unique"],
        connections: [2],
        rounds: 1,
        durationSeconds: 1,
        warmupSeconds: 0,
        dataset: { users: 20, products: 50 },
        outDir,
        log: (line) => lines.push(line),
      });

      expect(report.rows.map((row) => [row.workload, row.connections, row.gateway])).toEqual([
        ["unique", 2, "ours"],
        ["unique", 2, "plain"],
      ]);
      for (const row of [...report.rows, ...report.writes]) {
        expect(row.rps).toBeGreaterThan(0);
        expect(row.requests).toBeGreaterThan(0);
        expect(row.errors).toBe(0);
        expect(row.rounds).toHaveLength(1);
        // Counted at the subgraphs and read from the gateway's process.
        expect(row.subgraphRequestsPerRequest).toBeGreaterThan(0);
        expect(row.storeQueriesPerRequest).toBeGreaterThan(0);
        expect(row.cpuMsPerRequest).toBeGreaterThan(0);
        expect(row.peakRssMiB).toBeGreaterThan(0);
        expect(row.gatewayCpuPercent).toBeGreaterThan(0);
        expect(row.othersCpuPercent).toBeGreaterThan(0);
        expect(row.p50).toBeLessThanOrEqual(row.p99);
      }
      const [ours, plain] = report.rows;
      expect(plain?.vsPlain).toEqual({ rps: 1, p50: 1, p90: 1, p99: 1, cpuMsPerRequest: 1, peakRssMiB: 1 });
      expect(ours?.vsPlain?.rps).toBeCloseTo((ours?.rps ?? 0) / (plain?.rps ?? 1));
      expect(report.writes.map((row) => [row.workload, row.gateway])).toEqual([["writes", "ours"]]);
      expect(report.settings.dataset).toEqual({ users: 20, products: 50, seed: 1 });
      expect(report.machine.cpus).toBeGreaterThan(0);
      expect(report.machine.node).toBe(process.version);
      expect(typeof report.pinning.available).toBe("boolean");
      expect(lines.some((line) => line.includes("Planned: about"))).toBe(true);

      // The files: the JSON is the report, the Markdown its tables; latest.md the same Markdown.
      const json = JSON.parse(readFileSync(files.json, "utf8")) as BenchReport;
      expect(json).toEqual(JSON.parse(JSON.stringify(report)));
      expect(readFileSync(files.markdown, "utf8")).toBe(markdown);
      expect(readFileSync(files.latest, "utf8")).toBe(markdown);
      expect(markdown).toContain("| conns | gateway | req/s | × plain |");
      expect(markdown).toMatch(/\| 2 \| ours \(as shipped\) \| \d+ \| [\d.]+× \|/);
      expect(markdown).toMatch(/\| 2 \| plain @apollo\/gateway \| \d+ \| 1\.00× \|/);
      expect(markdown).toContain(`Node ${process.version}`);
      // Every table row has as many cells as its header.
      for (const table of markdown.split("\n\n").filter((block) => block.startsWith("| conns"))) {
        const [header = "", ...body] = table.trim().split("\n");
        for (const line of body) expect(line.split("|")).toHaveLength(header.split("|").length);
      }
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 180_000);
});
