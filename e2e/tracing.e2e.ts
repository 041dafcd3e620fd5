/**
 * Tracing in the real processes: the router and both subgraphs started with
 * OTEL_EXPORTER_OTLP_ENDPOINT pointing at a small OTLP/HTTP JSON receiver in this test. One client
 * request with a `traceparent` must come back as one trace from all three services, each under its
 * own `service.name`, and each process must send its last spans when it stops (SIGTERM).
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { postGraphQL, type System, startSystem } from "@supergraph/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** One span as OTLP/HTTP JSON carries it, with the `service.name` of its resource. */
interface ReceivedSpan {
  service: string;
  scope: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
}

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string };
}
interface OtlpBody {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: { scope?: { name?: string }; spans?: Omit<ReceivedSpan, "service" | "scope">[] }[];
  }[];
}

/** A tiny OTLP/HTTP receiver: keeps the spans of every JSON export posted to /v1/traces. */
async function startReceiver(): Promise<{
  server: Server;
  origin: string;
  spans: ReceivedSpan[];
  contentTypes: Set<string>;
}> {
  const spans: ReceivedSpan[] = [];
  const contentTypes = new Set<string>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      contentTypes.add(`${request.method} ${request.url} ${request.headers["content-type"]}`);
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as OtlpBody;
      for (const { resource, scopeSpans = [] } of body.resourceSpans ?? []) {
        const service = resource?.attributes?.find((attribute) => attribute.key === "service.name")?.value.stringValue;
        for (const { scope, spans: list = [] } of scopeSpans) {
          for (const span of list) spans.push({ ...span, service: service ?? "?", scope: scope?.name ?? "?" });
        }
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}`, spans, contentTypes };
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let system: System;

beforeAll(async () => {
  receiver = await startReceiver();
  const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.origin };
  system = await startSystem({ env: { router: tracing, users: tracing, products: tracing } });
});

afterAll(async () => {
  await system?.shutdown();
  receiver?.server.close();
});

describe("tracing across the three real processes (OTLP/HTTP)", () => {
  it("exports one trace, the client's, from router, users and products, each process flushing on SIGTERM", async () => {
    const traceId = "5b8efff798038103d269b633813fc60c";
    const clientSpan = "eee19b7ec3c1b174";
    const result = await postGraphQL(
      system.routerUrl,
      "query Creators { products { nodes { name createdBy { name } } } }",
      {
        headers: { traceparent: `00-${traceId}-${clientSpan}-01` },
      },
    );
    expect(result.errors).toBeUndefined();
    // Stopping drains each service, then sends the spans its batch still holds.
    for (const name of ["router", "users", "products"]) await system.stop(name);

    expect([...receiver.contentTypes]).toEqual(["POST /v1/traces application/json"]);
    const trace = receiver.spans.filter((span) => span.traceId === traceId);
    expect(new Set(trace.map((span) => span.service))).toEqual(new Set(["router", "users", "products"]));
    const byId = new Map(trace.map((span) => [span.spanId, span]));
    const SERVER = 2; // OTLP's SPAN_KIND_SERVER
    const servers = trace.filter((span) => span.kind === SERVER && span.name === "POST /graphql");
    expect(servers.map((span) => span.service).sort()).toEqual(["products", "router", "users"]);
    for (const server of servers) {
      const parent = byId.get(server.parentSpanId);
      if (server.service === "router") expect(server.parentSpanId).toBe(clientSpan);
      else expect([parent?.service, parent?.name], server.service).toEqual(["router", "subgraph.try"]);
    }
    // The gateway's own spans are the router's, in the same trace.
    expect(trace.filter((span) => span.scope === "apollo/gateway-js").map((span) => span.service)).toContain("router");
    expect(trace.map((span) => span.name)).toEqual(expect.arrayContaining(["gateway.plan", "gateway.fetch"]));
    // Each service's request log line names the same trace.
    // (Services write their log lines within 200 ms, buffered: wait for them.)
    for (const name of ["router", "users", "products"]) {
      await expect.poll(() => system.logs(name), { message: name, timeout: 5000 }).toContain(`"traceId":"${traceId}"`);
    }
  });
});
