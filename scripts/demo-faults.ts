/**
 * Watch a subgraph die and the graph degrade gracefully:  npm run demo:faults
 *
 * Starts users, two replicas of products and the router as real processes on free ports of
 * 127.0.0.1 (temporary databases), sends steady traffic through the router, and breaks things:
 * kills one products replica, then both, restarts them, then makes products hang. After each
 * step it prints what clients got (full / partial / failed responses, error codes, latency) and
 * what the router's GET /ready says. About 30 seconds; everything it starts is stopped at the end.
 * Needs `npm run build` (the npm script does it).
 */
import {
  FAST_ROUTER_ENV,
  postGraphQL,
  readiness,
  type Sample,
  type System,
  startSystem,
  startTraffic,
  timed,
  USERS_WITH_PRODUCTS,
} from "@supergraph/testing";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

function summary(samples: readonly Sample[]): string {
  const full = samples.filter((s) => s.status === 200 && !s.body?.errors).length;
  const failed = samples.filter((s) => s.status !== 200 || !s.body?.data).length;
  const partial = samples.length - full - failed;
  const codes = new Map<string, number>();
  for (const error of samples.flatMap((s) => s.body?.errors ?? [])) {
    const key = `${error.extensions?.code} (${error.extensions?.serviceName})`;
    codes.set(key, (codes.get(key) ?? 0) + 1);
  }
  const ms = samples.map((s) => s.ms);
  return [
    `${samples.length} requests: ${full} full, ${partial} partial, ${failed} failed`,
    `latency p50 ${percentile(ms, 50)} ms, p95 ${percentile(ms, 95)} ms`,
    codes.size > 0 ? `errors: ${[...codes].map(([code, n]) => `${n} x ${code}`).join(", ")}` : "no errors",
  ].join(" | ");
}

async function showReady(system: System): Promise<void> {
  const { status, body } = await readiness(system.url("router"));
  const subgraphs = Object.entries(body.subgraphs)
    .map(
      ([name, subgraph]) =>
        `${name} ${subgraph.status} [${subgraph.replicas.map((r) => `${r.reachable === false ? "unreachable" : "reachable"}/${r.circuit}`).join(", ")}]`,
    )
    .join("; ");
  console.log(`   GET /ready -> ${status}, degraded: ${body.degraded}; ${subgraphs}`);
}

/** One request through the router, timed. */
const ask = (system: System) => timed(() => postGraphQL<unknown>(system.routerUrl, USERS_WITH_PRODUCTS));

async function phase(system: System, title: string, ms: number, action?: () => Promise<void>): Promise<Sample[]> {
  console.log(`\n== ${title}`);
  const traffic = startTraffic(system.routerUrl, USERS_WITH_PRODUCTS, { concurrency: 2, maxMs: ms + 5000 });
  await action?.();
  await sleep(ms);
  const samples = await traffic.stop();
  console.log(`   ${summary(samples)}`);
  await showReady(system);
  return samples;
}

async function main(): Promise<void> {
  console.log("Starting users, products (2 replicas) and the router on 127.0.0.1 ...");
  const system = await startSystem({ env: { router: FAST_ROUTER_ENV }, replicas: { products: 2 } });
  try {
    console.log(`Router: ${system.routerUrl}  (subgraph timeout 1000 ms, circuit: 3 calls, half-open after 500 ms)`);
    console.log(`Query:  ${USERS_WITH_PRODUCTS}`);

    await phase(system, "All healthy", 2000);
    await phase(system, "Kill one products replica (SIGKILL products-2): retries and routing hide it", 2000, () =>
      system.kill("products-2"),
    );
    const down = await phase(system, "Kill the other one too: no products left, the graph degrades", 2500, () =>
      system.kill("products"),
    );
    const example = down.findLast((sample) => sample.body?.errors);
    if (example) console.log(`   a response while products is down:\n   ${JSON.stringify(example.body)}`);

    console.log("\n== Restart both products replicas (the router is not restarted)");
    await Promise.all([system.start("products"), system.start("products-2")]);
    const up = Date.now();
    while (Date.now() - up < 10_000 && (await ask(system)).result.errors) await sleep(20);
    console.log(`   processes up; the router served full results again ${Date.now() - up} ms later`);
    await phase(system, "Back to full results", 2000);

    console.log("\n== products hangs (SIGSTOP both replicas): timeouts, then the circuit opens and calls fail fast");
    system.signal("products", "SIGSTOP");
    system.signal("products-2", "SIGSTOP");
    try {
      const timeouts: number[] = [];
      const fast: number[] = [];
      const record = ({ ms, result }: Awaited<ReturnType<typeof ask>>) => {
        const code = result.errors?.[0]?.extensions?.code;
        if (code === "SUBGRAPH_TIMEOUT") timeouts.push(ms);
        if (code === "CIRCUIT_OPEN") fast.push(ms);
      };
      // Bursts of 4 concurrent requests (as live traffic would send) until the circuits open...
      for (let burst = 0; burst < 6 && fast.length === 0; burst++) {
        for (const response of await Promise.all([ask(system), ask(system), ask(system), ask(system)]))
          record(response);
      }
      // ...then 10 more, one at a time: each fails fast.
      for (let i = 0; i < 10; i++) record(await ask(system));
      const timeoutMedian = percentile(timeouts, 50);
      const fastMedian = percentile(fast, 50);
      console.log(`   SUBGRAPH_TIMEOUT responses: ${timeouts.length}, median ${timeoutMedian} ms`);
      console.log(`   CIRCUIT_OPEN responses:     ${fast.length}, median ${fastMedian} ms`);
      if (fastMedian > 0)
        console.log(`   fail-fast is ${Math.round(timeoutMedian / fastMedian)}x faster than waiting for the timeout`);
      await showReady(system);
    } finally {
      system.signal("products", "SIGCONT");
      system.signal("products-2", "SIGCONT");
    }
    await phase(system, "products resumed (SIGCONT): circuits half-open, probe, close", 2000);
  } finally {
    await system.shutdown();
  }
  console.log("\nDone: every process stopped, temporary databases removed.");
}

main().catch((error: unknown) => {
  console.error("demo failed:", error instanceof Error ? error.message : error);
  process.exit(1);
});
