import { createLogger, InMemorySpanExporter, type ReadableSpan, startTracing } from "@supergraph/service-kit";
import { afterEach, describe, expect, it } from "vitest";
import { migrateToLatest, openSqlite } from "../src/index.js";
import { signedPost } from "../src/testing.js";
import { things } from "./things.js";

const logger = createLogger({ service: "things-test", level: "silent" });
/** @opentelemetry/api's SpanStatusCode.ERROR. */
const ERROR = 2;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** The things subgraph over a fresh in-memory database, listening; traced into `exporter` when one is given. */
async function startThings(exporter?: InMemorySpanExporter): Promise<string> {
  const tracing = exporter ? startTracing({ serviceName: "things", exporter, global: false }) : undefined;
  const db: Parameters<typeof things.createServer>[0]["db"] = openSqlite({ filename: ":memory:" });
  await migrateToLatest(db, things.migrations, logger);
  const service = await things.createServer({ db, logger, ...(tracing ? { tracing } : {}) });
  closers.push(async () => {
    await service.close();
    await tracing?.shutdown();
  });
  const { port } = await service.listen(0);
  return `http://127.0.0.1:${port}/graphql`;
}

/** Waits until the request's server span has ended (the service ends it once the answer is out). */
async function spansOf(exporter: InMemorySpanExporter, request: Promise<Response>): Promise<ReadableSpan[]> {
  await (await request).text();
  await expect.poll(() => exporter.getFinishedSpans().some((span) => span.name === "POST /graphql")).toBe(true);
  return exporter.getFinishedSpans();
}

describe("a traced subgraph's resolver and store spans", () => {
  it("marks a store call that fails, the resolver that made it and the request as errors", async () => {
    const exporter = new InMemorySpanExporter();
    const url = await startThings(exporter);
    const spans = await spansOf(exporter, signedPost(url, { query: 'mutation { deleteThing(id: "99") { label } }' }));
    const named = (name: string) => spans.find((span) => span.name === name);
    const store = named("ThingStore.delete");
    const resolver = named("graphql.resolve Mutation.deleteThing");
    const server = named("POST /graphql");
    expect(store?.parentSpanContext?.spanId).toBe(resolver?.spanContext().spanId);
    expect(resolver?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    for (const span of [store, resolver]) {
      expect(span?.status.code, span?.name).toBe(ERROR);
      expect(span?.attributes["error.type"], span?.name).toBe("NotFoundError");
    }
    expect(server?.attributes["error.type"]).toBe("NOT_FOUND");
    expect(store?.attributes).toMatchObject({ "db.system.name": "sqlite", "db.operation.name": "delete" });
  });

  it("makes no span in a server without tracing, even one sharing its schema with a traced server", async () => {
    const exporter = new InMemorySpanExporter();
    await startThings(exporter); // wraps the shared schema's resolvers
    const untraced = await startThings();
    const response = await signedPost(untraced, { query: '{ things { nodes { label } } thing(id: "1") { label } }' });
    expect(await response.json()).toMatchObject({ data: { thing: { label: "one" } } });
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
