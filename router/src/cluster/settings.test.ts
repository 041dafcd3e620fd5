import { aggregateMetrics, ServiceMetrics } from "@supergraph/service-kit";
import { configProblems, MetricsScrape, parsePrometheusText, scratchFiles } from "@supergraph/testing";
import { afterAll, describe, expect, it } from "vitest";
import { readConfig } from "../config.js";
import { readRouterFile } from "../routerFile.js";
import type { LocalReadiness } from "./messages.js";
import { RESTART_DEFAULTS, restartDecision, workerEnvironment } from "./primary.js";
import { clusterReadiness, type WorkersReport } from "./readiness.js";
import { MAX_WORKERS, resolveServerSettings } from "./settings.js";

const scratch = scratchFiles("router-cluster");
afterAll(() => scratch.remove());

describe("server.workers (router.yaml, ROUTER_SERVER__WORKERS)", () => {
  it("defaults to 1, the single process; the repo's router.yaml says so", () => {
    expect(readConfig({}).router.server).toEqual({ workers: 1, auto: false, requestTimeoutMs: 30_000 });
    expect(readRouterFile(scratch.file(""), true, {}).server).toEqual({
      workers: 1,
      auto: false,
      requestTimeoutMs: 30_000,
    });
  });

  it("takes a count from the file or the environment, and auto as the machine's cores (at most 64)", () => {
    expect(readRouterFile(scratch.file("server: { workers: 4 }"), true, {}).server.workers).toBe(4);
    const path = scratch.file("server: { workers: 4 }");
    expect(readRouterFile(path, true, { ROUTER_SERVER__WORKERS: "2" }).server).toMatchObject({
      workers: 2,
      auto: false,
    });
    expect(readRouterFile(path, true, { ROUTER_SERVER__WORKERS: "auto" }).server.auto).toBe(true);
    expect(resolveServerSettings({ workers: "auto" }, () => 3)).toMatchObject({ workers: 3, auto: true });
    expect(resolveServerSettings({ workers: "auto" }, () => 200)).toMatchObject({ workers: MAX_WORKERS, auto: true });
  });

  it("takes server.requestTimeoutMs from the file or ROUTER_SERVER__REQUEST_TIMEOUT_MS, 1 s to 10 min", () => {
    const path = scratch.file("server: { requestTimeoutMs: 5000 }");
    expect(readRouterFile(path, true, {}).server.requestTimeoutMs).toBe(5000);
    expect(readRouterFile(path, true, { ROUTER_SERVER__REQUEST_TIMEOUT_MS: "2000" }).server.requestTimeoutMs).toBe(
      2000,
    );
    for (const value of ["999", "600001", "1.5", "soon"]) {
      expect(
        configProblems(() => readConfig({ ROUTER_SERVER__REQUEST_TIMEOUT_MS: value })),
        value,
      ).toEqual([expect.stringMatching(/^ROUTER_SERVER__REQUEST_TIMEOUT_MS: /)]);
    }
  });

  it("refuses 0, 65, fractions and words other than auto, naming the variable or the key", () => {
    for (const value of ["0", "65", "1.5", "many"]) {
      expect(
        configProblems(() => readConfig({ ROUTER_SERVER__WORKERS: value })),
        value,
      ).toEqual([expect.stringMatching(/^ROUTER_SERVER__WORKERS: /)]);
    }
    const path = scratch.file("server: { workers: 0, threads: 2 }");
    expect(configProblems(() => readRouterFile(path, true, {}))).toEqual(
      expect.arrayContaining([`${path}: server.threads: unknown key`, expect.stringMatching(/server\.workers: /)]),
    );
  });
});

describe("the workers' environment", () => {
  const config = (overrides: { requests?: number; enabled?: boolean; redis?: string; protections?: boolean } = {}) => {
    const base = readConfig({});
    const rateLimit = {
      ...base.router.security.rateLimit,
      requests: overrides.requests ?? 100,
      enabled: overrides.enabled ?? true,
    };
    return {
      PROTECTIONS: overrides.protections ?? true,
      REDIS_URL: overrides.redis,
      router: { ...base.router, security: { ...base.router.security, rateLimit } },
    };
  };

  it("without Redis, divides the per-client rate limit by the workers (never under 1)", () => {
    expect(workerEnvironment(config({ requests: 100 }), 3)).toEqual({
      env: { SUPERGRAPH_ROUTER_WORKER: "1", ROUTER_SERVER__WORKERS: "3", ROUTER_RATE_LIMIT__REQUESTS: "33" },
      rateLimit: { requests: 100, perWorker: 33 },
    });
    expect(workerEnvironment(config({ requests: 2 }), 4).env.ROUTER_RATE_LIMIT__REQUESTS).toBe("1");
    // The variable the workers get is a valid override of the same key.
    const { env } = workerEnvironment(config({ requests: 100 }), 3);
    expect(readConfig(env).router.security.rateLimit.requests).toBe(33);
  });

  it("with Redis (one count across workers), no rate limit or protections off: the limit as configured", () => {
    for (const options of [{ redis: "redis://127.0.0.1:6379" }, { enabled: false }, { protections: false }]) {
      const { env, rateLimit } = workerEnvironment(config(options), 2);
      expect(env, JSON.stringify(options)).toEqual({ SUPERGRAPH_ROUTER_WORKER: "1", ROUTER_SERVER__WORKERS: "2" });
      expect(rateLimit).toBeUndefined();
    }
  });
});

describe("restarting workers", () => {
  const policy = RESTART_DEFAULTS;

  it("backs off, doubling per exit within the window, and gives up past maxRestarts", () => {
    let exits: number[] = [];
    const delays: number[] = [];
    for (let index = 0; index < policy.maxRestarts; index++) {
      const decision = restartDecision(exits, 1000 + index * 100, policy);
      expect(decision.giveUp).toBe(false);
      delays.push(decision.delayMs);
      exits = decision.exits;
    }
    expect(delays).toEqual([250, 500, 1000, 2000, 4000]);
    expect(restartDecision(exits, 2000, policy).giveUp).toBe(true);
  });

  it("forgets exits older than the window", () => {
    const old = [0, 1, 2, 3, 4];
    const decision = restartDecision(old, policy.windowMs + 10, policy);
    expect(decision).toEqual({ exits: [policy.windowMs + 10], giveUp: false, delayMs: policy.initialDelayMs });
  });
});

describe("the whole router's readiness", () => {
  const ready = (degraded = false): LocalReadiness => ({
    status: 200,
    json: { status: "ready", degraded, subgraphs: {} },
  });
  const draining: LocalReadiness = { status: 503, json: { status: "not_ready", degraded: false } };

  it("is ready when every configured worker answered ready, with the answering worker's report", () => {
    const answer = clusterReadiness(
      ready(),
      {
        ready: {
          total: 2,
          workers: [
            { worker: 1, pid: 11, answer: ready() },
            { worker: 2, pid: 12, answer: ready() },
          ],
        },
      },
      2,
    );
    expect(answer).toEqual({
      status: 200,
      json: {
        status: "ready",
        degraded: false,
        subgraphs: {},
        workers: {
          total: 2,
          ready: 2,
          processes: [
            { worker: 1, pid: 11, status: "ready" },
            { worker: 2, pid: 12, status: "ready" },
          ],
        },
      },
    });
  });

  it("is not ready when a worker is draining, gave no answer, or is missing (restarting); degraded when any is", () => {
    const cases = [
      [
        { worker: 1, pid: 11, answer: ready() },
        { worker: 2, pid: 12, answer: draining },
      ],
      [
        { worker: 1, pid: 11, answer: ready() },
        { worker: 2, pid: 12, answer: null },
      ],
      [{ worker: 1, pid: 11, answer: ready(true) }],
    ];
    const answers = cases.map((workers) => clusterReadiness(ready(), { ready: { total: 2, workers } }, 2));
    expect(answers.map(({ status }) => status)).toEqual([503, 503, 503]);
    expect(answers.map(({ json }) => (json as { workers: { ready: number } }).workers.ready)).toEqual([1, 1, 1]);
    const processes = answers.map(({ json }) => (json as { workers: WorkersReport }).workers.processes);
    expect(processes[1]?.map(({ status }) => status)).toEqual(["ready", "no_answer"]);
    expect(answers.map(({ json }) => (json as { degraded: boolean }).degraded)).toEqual([false, false, true]);
  });

  it("is not ready, saying why, when the primary does not answer", () => {
    const answer = clusterReadiness(ready(), { error: "no answer within 2500 ms" }, 2);
    expect(answer.status).toBe(503);
    expect(answer.json).toMatchObject({
      status: "not_ready",
      workers: { total: 2, ready: 0, processes: [] },
      reason: "the primary did not answer: no answer within 2500 ms",
    });
  });
});

describe("aggregated metrics", () => {
  it("sums counters and histograms, and gauges by their aggregator", async () => {
    const worker = (requests: number, up: number) => {
      const metrics = new ServiceMetrics();
      metrics.counter({ name: "test_requests_total", help: "requests" }).inc(requests);
      metrics.histogram({ name: "test_seconds", help: "durations", buckets: [1] }).observe(0.5);
      metrics.gauge({ name: "test_up", help: "up", aggregator: "min" }).set(up);
      return metrics.snapshot();
    };
    const { text } = await aggregateMetrics([await worker(3, 1), await worker(4, 0)]);
    const scrape = new MetricsScrape(parsePrometheusText(text));
    expect(scrape.value("test_requests_total")).toBe(7);
    expect(scrape.value("test_seconds_count")).toBe(2);
    expect(scrape.value("test_seconds_bucket", { le: "1" })).toBe(2);
    expect(scrape.value("test_up")).toBe(0);
    expect(scrape.type("process_cpu_user_seconds_total")).toBe("counter");
  });
});
