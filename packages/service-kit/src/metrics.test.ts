import { ApolloServer, type BaseContext } from "@apollo/server";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ANONYMOUS, OperationLabels, OTHER, outcomeLabel, ServiceMetrics } from "./metrics.js";
import { createService } from "./service.js";

describe("OperationLabels", () => {
  it("labels a request without an operation name `anonymous`", () => {
    const labels = new OperationLabels();
    expect(labels.label(undefined)).toBe(ANONYMOUS);
    expect(labels.label(null)).toBe(ANONYMOUS);
    expect(labels.label("")).toBe(ANONYMOUS);
  });

  it("keeps the first `max` well-formed names, then collapses new ones to `other`", () => {
    const labels = new OperationLabels({ max: 2 });
    expect(labels.label("First")).toBe("First");
    expect(labels.label("Second")).toBe("Second");
    expect(labels.label("Third")).toBe(OTHER);
    expect(labels.label("Fourth")).toBe(OTHER);
    // Names already labelled keep their label.
    expect(labels.label("First")).toBe("First");
    expect(labels.label("Second")).toBe("Second");
  });

  it("always keeps the names known in advance, and they do not count against the limit", () => {
    const labels = new OperationLabels({ known: ["Listed", "AlsoListed"], max: 1 });
    expect(labels.label("Fresh")).toBe("Fresh");
    expect(labels.label("Newer")).toBe(OTHER);
    expect(labels.label("Listed")).toBe("Listed");
    expect(labels.label("AlsoListed")).toBe("AlsoListed");
  });

  it("collapses malformed names to `other` without using up a slot", () => {
    const labels = new OperationLabels({ max: 1 });
    for (const name of ["has space", "1leadingDigit", "dash-ed", 'quote"', "{ users { id } }", "x".repeat(129), "é"]) {
      expect(labels.label(name), name).toBe(OTHER);
    }
    expect(labels.label("x".repeat(128))).toBe("x".repeat(128));
    expect(labels.label("Late")).toBe(OTHER);
  });

  it("ignores malformed names among the known ones", () => {
    const labels = new OperationLabels({ known: ["not a name"], max: 0 });
    expect(labels.label("not a name")).toBe(OTHER);
  });
});

describe("outcomeLabel", () => {
  it("keeps success and the contract's codes, and collapses anything else to `other`", () => {
    expect(outcomeLabel("success")).toBe("success");
    expect(outcomeLabel("QUERY_TOO_DEEP")).toBe("QUERY_TOO_DEEP");
    expect(outcomeLabel("UNAUTHENTICATED")).toBe("UNAUTHENTICATED");
    expect(outcomeLabel("ERROR")).toBe(OTHER);
    expect(outcomeLabel("HTTP_404")).toBe(OTHER);
    expect(outcomeLabel("SOME_SUBGRAPH_CODE")).toBe(OTHER);
    expect(outcomeLabel("toString")).toBe(OTHER);
  });
});

/** The value of one exact series line of an exposition (labels in the order the metric declares them). */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function start(options: { metrics?: ServiceMetrics; internal?: boolean } = {}) {
  const service = await createService<BaseContext>({
    name: "kit",
    logger: pino({ level: "silent" }),
    buildApollo: (base) =>
      new ApolloServer<BaseContext>({
        typeDefs: "type Query { hello: String, fail: String }",
        resolvers: {
          Query: {
            hello: () => "hi",
            fail: () => {
              throw new Error("boom");
            },
          },
        },
        ...base,
      }),
    context: async () => ({}),
    logRequests: false,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.internal ? { internal: { port: 0 } } : {}),
  });
  const { port } = await service.listen(0);
  const internalAddress = service.internalServer?.address();
  const internalPort = typeof internalAddress === "object" && internalAddress ? internalAddress.port : port;
  const post = (body: unknown) =>
    fetch(`http://127.0.0.1:${port}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  return Object.assign(service, {
    origin: `http://127.0.0.1:${port}`,
    internalOrigin: `http://127.0.0.1:${internalPort}`,
    post,
  });
}

describe("ServiceMetrics through createService", () => {
  it("serves /metrics in the text format: process metrics, and requests by operation and outcome", async () => {
    const seen: string[] = [];
    const metrics = new ServiceMetrics({ maxOperations: 2, onGraphQLRequest: (request) => seen.push(request.outcome) });
    await using service = await start({ metrics });
    await service.post({ query: "query Greet { hello }" });
    await service.post({ query: "query Greet { hello }" });
    await service.post({ query: "{ hello }" });
    await service.post({ query: "query Broken { fail }" });
    await service.post({ query: "query Third { hello }" });
    await service.post({ query: "{ nope }" });
    await service.post({ query: "{" });
    await fetch(`${service.origin}/health`);

    const response = await fetch(`${service.origin}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await response.text();
    const requests = (operation: string, outcome: string) =>
      sample(text, `graphql_requests_total{operation="${operation}",outcome="${outcome}"}`);
    expect(requests("Greet", "success")).toBe(2);
    expect(requests(ANONYMOUS, "success")).toBe(1);
    expect(requests("Broken", "INTERNAL_SERVER_ERROR")).toBe(1);
    // Past maxOperations (Greet, Broken), a new name is `other`.
    expect(requests(OTHER, "success")).toBe(1);
    expect(requests(ANONYMOUS, "GRAPHQL_VALIDATION_FAILED")).toBe(1);
    expect(requests(ANONYMOUS, "GRAPHQL_PARSE_FAILED")).toBe(1);
    expect(text).not.toContain('operation="Third"');
    expect(sample(text, 'graphql_request_duration_seconds_count{operation="Greet",outcome="success"}')).toBe(2);
    expect(sample(text, 'graphql_request_duration_seconds_bucket{le="+Inf",operation="Greet",outcome="success"}')).toBe(
      2,
    );
    expect(sample(text, 'graphql_request_duration_seconds_sum{operation="Greet",outcome="success"}')).toBeGreaterThan(
      0,
    );
    expect(sample(text, 'http_requests_total{route="/health",status="200"}')).toBe(1);
    expect(sample(text, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(sample(text, "nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
    expect(seen).toEqual([
      "success",
      "success",
      "success",
      "INTERNAL_SERVER_ERROR",
      "success",
      "GRAPHQL_VALIDATION_FAILED",
      "GRAPHQL_PARSE_FAILED",
    ]);

    // The scrape itself is counted by route, once it is answered.
    const again = await (await fetch(`${service.origin}/metrics`)).text();
    expect(sample(again, 'http_requests_total{route="/metrics",status="200"}')).toBe(1);
  });

  it("lets a service add its own series to the same /metrics", async () => {
    const metrics = new ServiceMetrics();
    const jobs = metrics.counter({ name: "kit_jobs_total", help: "Jobs.", labelNames: ["kind"] });
    metrics.gauge({
      name: "kit_queue_length",
      help: "Queue length, read when scraped.",
      collect() {
        this.set(7);
      },
    });
    jobs.labels("nightly").inc(3);
    await using service = await start({ metrics });
    const text = await (await fetch(`${service.origin}/metrics`)).text();
    expect(sample(text, 'kit_jobs_total{kind="nightly"}')).toBe(3);
    expect(sample(text, "kit_queue_length")).toBe(7);
  });

  it("serves /metrics on the internal listener only, when there is one", async () => {
    await using service = await start({ metrics: new ServiceMetrics(), internal: true });
    expect((await fetch(`${service.origin}/metrics`)).status).toBe(404);
    const internal = await fetch(`${service.internalOrigin}/metrics`);
    expect(internal.status).toBe(200);
    expect(await internal.text()).toContain("# TYPE graphql_requests_total counter");
  });

  it("without metrics: no /metrics route", async () => {
    await using service = await start();
    expect((await fetch(`${service.origin}/metrics`)).status).toBe(404);
  });

  it("keeps each service's series apart in one process", async () => {
    const first = new ServiceMetrics();
    const second = new ServiceMetrics();
    await using one = await start({ metrics: first });
    await using two = await start({ metrics: second });
    await one.post({ query: "query OnlyOne { hello }" });
    expect(
      sample(
        await (await fetch(`${one.origin}/metrics`)).text(),
        'graphql_requests_total{operation="OnlyOne",outcome="success"}',
      ),
    ).toBe(1);
    expect(await (await fetch(`${two.origin}/metrics`)).text()).not.toContain("OnlyOne");
  });
});
