/**
 * The gateway race's load generator: a process of its own (pinned apart from the gateway under
 * test), driven over IPC by `startLoadGenerator` (loadClient.ts). Each job is one autocannon run
 * against one URL, cycling through a request list read from a JSON file (cached: the same list is
 * sent to every gateway); it answers with the run's figures.
 *
 *   node --import tsx internal/benchmarks/src/loadGenerator.ts   (with an IPC channel)
 */
import { readFileSync } from "node:fs";
import autocannon from "autocannon";
import type { BenchRequest } from "./gatewayWorkloads.js";
import type { LoadJob, LoadResult } from "./loadClient.js";

const lists = new Map<string, readonly BenchRequest[]>();

function listOf(file: string): readonly BenchRequest[] {
  let list = lists.get(file);
  if (!list) {
    list = JSON.parse(readFileSync(file, "utf8")) as BenchRequest[];
    if (list.length === 0) throw new Error(`${file}: no requests`);
    lists.set(file, list);
  }
  return list;
}

async function run(job: LoadJob): Promise<LoadResult> {
  const list = listOf(job.requestsFile);
  // One position for all connections: every run sends the list in the same order from its start.
  let next = 0;
  let graphqlErrors = 0;
  const result = await autocannon({
    url: job.url,
    method: "POST",
    headers: { "content-type": "application/json", ...job.headers },
    duration: job.durationSeconds,
    connections: job.connections,
    requests: [
      {
        setupRequest: (request) => {
          const entry = list[next++ % list.length] as BenchRequest;
          return {
            ...request,
            body: entry.body,
            ...(entry.headers ? { headers: { ...request.headers, ...entry.headers } } : {}),
          };
        },
        // GraphQL answers errors with HTTP 200 too: such an answer counts as a failed request.
        onResponse: (status, body) => {
          if (status >= 200 && status < 300 && body.includes('"errors":')) graphqlErrors++;
        },
      },
    ],
  });
  const seconds = result.duration > 0 ? result.duration : job.durationSeconds;
  return {
    id: job.id,
    requests: result.requests.total,
    sent: result.requests.sent,
    seconds,
    rps: result.requests.total / seconds,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    transportErrors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    graphqlErrors,
  };
}

process.on("message", (message: LoadJob) => {
  run(message).then(
    (result) => process.send?.(result),
    (error: unknown) => process.send?.({ id: message.id, failure: String(error) }),
  );
});
process.on("disconnect", () => process.exit(0));
process.send?.({ ready: true });
