/**
 * One trace across the three services, in one process: the real users and products subgraphs (over
 * in-memory SQLite) and the real router, on free ports of 127.0.0.1, each with its own tracing (its
 * own `service.name`, as its process would have) exporting to one in-memory exporter. The router's
 * is the process's global tracing, so @apollo/gateway's spans join it, as in the router's process.
 */
import { products } from "@supergraph/products/server";
import { buildRouter } from "@supergraph/router/buildRouter";
import {
  createLogger,
  InMemorySpanExporter,
  type ReadableSpan,
  startTracing,
  type Tracing,
} from "@supergraph/service-kit";
import { migrateToLatest, openSqlite, type Subgraph } from "@supergraph/subgraph-kit";
import { postGraphQL } from "@supergraph/testing";
import { users } from "@supergraph/users/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** @opentelemetry/api's SpanKind values. */
const SERVER = 1;
const CLIENT = 2;

/** An in-memory exporter that can be waited on: `until` resolves once the finished spans satisfy a condition. */
class WatchedExporter extends InMemorySpanExporter {
  private readonly waiters = new Set<() => void>();
  override export(...args: Parameters<InMemorySpanExporter["export"]>): void {
    super.export(...args);
    for (const check of [...this.waiters]) check();
  }
  until(condition: (spans: ReadableSpan[]) => boolean): Promise<ReadableSpan[]> {
    return new Promise((resolve) => {
      const check = () => {
        const spans = this.getFinishedSpans();
        if (!condition(spans)) return;
        this.waiters.delete(check);
        resolve(spans);
      };
      this.waiters.add(check);
      check();
    });
  }
}

const exporter = new WatchedExporter();
const logger = createLogger({ service: "tracing-test", level: "silent" });
const tracings: Tracing[] = [];
/** Closes the services started, the router first. */
const closers: (() => Promise<void>)[] = [];
let routerUrl = "";

async function startSubgraph<DB, TStore, TContext extends object, TSettings>(
  subgraph: Subgraph<DB, TStore, TContext, TSettings>,
): Promise<string> {
  const tracing = startTracing({ serviceName: subgraph.name, exporter, global: false });
  tracings.push(tracing);
  const db = openSqlite<DB>({ filename: ":memory:" });
  await migrateToLatest(db, subgraph.migrations, logger);
  const service = await subgraph.createServer({ db, logger, tracing });
  closers.unshift(() => service.close());
  const { port } = await service.listen(0);
  return `http://127.0.0.1:${port}/graphql`;
}

beforeAll(async () => {
  const routerTracing = startTracing({ serviceName: "router", exporter });
  tracings.push(routerTracing);
  const [usersUrl, productsUrl] = await Promise.all([startSubgraph(users), startSubgraph(products)]);
  const { service } = await buildRouter(
    { LOG_LEVEL: "silent", SUBGRAPH_USERS_URL: usersUrl, SUBGRAPH_PRODUCTS_URL: productsUrl },
    { tracing: routerTracing },
  );
  closers.unshift(() => service.close());
  const { port } = await service.listen(0);
  routerUrl = `http://127.0.0.1:${port}/graphql`;
});

afterAll(async () => {
  for (const close of closers) await close();
  await Promise.all(tracings.map((tracing) => tracing.shutdown()));
});

const serviceOf = (span: ReadableSpan) => span.resource.attributes["service.name"];
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

describe("one trace across router, users and products (in-memory exporter)", () => {
  const clientTrace = "0af7651916cd43dd8448eb211c80319c";
  const clientSpan = "b7ad6b7169203331";
  let trace: ReadableSpan[] = [];
  const serverSpanOf = (service: string) => {
    const span = trace.find((candidate) => candidate.kind === SERVER && serviceOf(candidate) === service);
    if (!span) throw new Error(`no server span of ${service} in the trace`);
    return span;
  };
  /** The spans of `service` under `ancestor`, at any depth. */
  const descendantsOf = (ancestor: ReadableSpan) => {
    const found: ReadableSpan[] = [];
    const visit = (parent: ReadableSpan) => {
      for (const child of trace.filter((span) => parentOf(span) === idOf(parent))) {
        found.push(child);
        visit(child);
      }
    };
    visit(ancestor);
    return found;
  };

  beforeAll(async () => {
    const result = await postGraphQL(
      routerUrl,
      "query UsersWithProducts { users { nodes { id name products { nodes { name } } } } }",
      { headers: { traceparent: `00-${clientTrace}-${clientSpan}-01` } },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toMatchObject({ users: { nodes: [{ id: "1", products: { nodes: [{}] } }, { id: "2" }] } });
    const inTrace = (spans: ReadableSpan[]) => spans.filter((span) => span.spanContext().traceId === clientTrace);
    const servers = (spans: ReadableSpan[]) =>
      new Set(inTrace(spans).flatMap((span) => (span.kind === SERVER ? [serviceOf(span)] : [])));
    trace = inTrace(await exporter.until((spans) => servers(spans).size === 3));
  });

  it("continues the client's trace id in all three services, each under its own service.name", () => {
    expect(new Set(trace.map(serviceOf))).toEqual(new Set(["router", "users", "products"]));
    const router = serverSpanOf("router");
    expect(router.name).toBe("POST /graphql");
    expect(parentOf(router)).toBe(clientSpan);
    expect(router.attributes["graphql.operation.name"]).toBe("UsersWithProducts");
    // Every span of the trace hangs from the client's span: no orphan, no second root.
    for (const span of trace) expect([clientSpan, ...trace.map(idOf)], span.name).toContain(parentOf(span));
    expect(descendantsOf(router)).toHaveLength(trace.length - 1);
  });

  it("nests the gateway's validate, plan, execute and fetch spans under the router's request span", () => {
    const router = serverSpanOf("router");
    const gateway = descendantsOf(router).filter((span) => span.instrumentationScope.name === "apollo/gateway-js");
    const request = gateway.find((span) => span.name === "gateway.request");
    expect(request && parentOf(request)).toBe(idOf(router));
    const names = new Set(gateway.map((span) => span.name));
    for (const name of ["gateway.validate", "gateway.plan", "gateway.execute", "gateway.fetch"]) {
      expect(names, name).toContain(name);
    }
    const fetched = gateway.filter((span) => span.name === "gateway.fetch").map((span) => span.attributes.service);
    expect(fetched.sort()).toEqual(["products", "users"]);
    for (const span of gateway) expect(serviceOf(span)).toBe("router");
  });

  it("links each subgraph's request span to the router's try of that subgraph, under the gateway's fetch", () => {
    for (const subgraph of ["users", "products"]) {
      const server = serverSpanOf(subgraph);
      const tryOf = trace.find((span) => idOf(span) === parentOf(server));
      expect(tryOf?.name, subgraph).toBe("subgraph.try");
      expect(tryOf?.kind).toBe(CLIENT);
      expect(serviceOf(tryOf as ReadableSpan)).toBe("router");
      expect(tryOf?.attributes).toMatchObject({
        "subgraph.name": subgraph,
        "subgraph.attempt": 1,
        "subgraph.outcome": "ok",
        "http.response.status_code": 200,
      });
      const fetch = trace.find((span) => idOf(span) === parentOf(tryOf as ReadableSpan));
      expect(fetch?.name).toBe("gateway.fetch");
      expect(fetch?.attributes.service).toBe(subgraph);
    }
  });

  it("traces each subgraph's own resolvers and store calls under its request span, not its default field reads", () => {
    const expected: Record<string, { resolvers: string[]; store: string[] }> = {
      users: {
        resolvers: ["graphql.resolve Query.users", "graphql.resolve UserConnection.nodes"],
        store: ["UserStore.list"],
      },
      products: {
        resolvers: [
          "graphql.resolve Query._entities",
          "graphql.resolve User.products",
          "graphql.resolve ProductConnection.nodes",
        ],
        store: ["ProductStore.pagesByCreators"],
      },
    };
    for (const [subgraph, { resolvers, store }] of Object.entries(expected)) {
      const server = serverSpanOf(subgraph);
      const spans = descendantsOf(server);
      for (const span of spans) expect(serviceOf(span), span.name).toBe(subgraph);
      const resolverSpans = spans.filter((span) => span.name.startsWith("graphql.resolve "));
      const storeSpans = spans.filter(
        (span) => span.instrumentationScope.name === "@supergraph/subgraph-kit" && span.kind === CLIENT,
      );
      expect(new Set(resolverSpans.map((span) => span.name)), subgraph).toEqual(new Set(resolvers));
      expect(new Set(storeSpans.map((span) => span.name)), subgraph).toEqual(new Set(store));
      // A store call is made by a resolver: its span is that resolver's child.
      for (const span of storeSpans) expect(resolverSpans.map(idOf), span.name).toContain(parentOf(span));
      expect(spans.map((span) => span.name)).toEqual(expect.arrayContaining(["graphql.parse", "graphql.validate"]));
      // `name` and `id` are read off the objects: no span.
      expect(resolverSpans.map((span) => span.name)).not.toContain("graphql.resolve User.name");
    }
  });
});
