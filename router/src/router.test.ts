import { ErrorCode } from "@supergraph/error-codes";
import { ConfigError } from "@supergraph/service-kit";
import {
  composeTinySupergraph,
  deadUrl,
  type Graph,
  postGraphQL as query,
  type RouterInputs,
  silentLogger,
  startGraph,
} from "@supergraph/testing";
import { buildClientSchema, getIntrospectionQuery, type IntrospectionQuery, Kind, parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "./config.js";
import { gatewayFailure } from "./createGateway.js";
import { formatRouterError } from "./formatRouterError.js";
import { LIMITS_OFF } from "./limits/settings.js";
import { fragmentsOf, rootIsMetaOnly } from "./schemaShape.js";
import { createServer } from "./server.js";
import { listSubgraphs, readSupergraphFile } from "./supergraph.js";

describe("router over two live subgraphs", () => {
  let graph: Graph;
  beforeAll(async () => {
    graph = await startGraph({ createRouter: createServer });
  });
  afterAll(() => graph?.close());

  it("joins both subgraphs in one query, in both directions", async () => {
    expect(await query(graph.routerUrl, "{ products { title createdBy { name } } }")).toEqual({
      data: {
        products: [
          { title: "Lamp", createdBy: { name: "Ada" } },
          { title: "Desk", createdBy: { name: "Grace" } },
        ],
      },
    });
    expect(await query(graph.routerUrl, '{ user(id: "1") { name products { title } } }')).toEqual({
      data: { user: { name: "Ada", products: [{ title: "Lamp" }] } },
    });
  });

  it.each([
    ['{ user(id: "404") { name } }', "NOT_FOUND", 'User "404" does not exist.'],
    ['{ user(id: "abc") { name } }', "BAD_USER_INPUT", 'id must be a number; got "abc".'],
    ['mutation { renameUser(id: "1", name: "Grace") { id } }', "CONFLICT", 'name "Grace" is taken.'],
  ])(
    "passes the subgraph's error code through, tagged with the subgraph: %s -> %s",
    async (document, code, message) => {
      const result = await query(graph.routerUrl, document);
      expect(result.errors).toHaveLength(1);
      expect(result.errors?.[0]).toMatchObject({ message, extensions: { code, serviceName: "users" } });
    },
  );

  it("answers every introspection field its own schema lists, isOneOf included, and the full introspection query", async () => {
    // What a tool asks first: which fields does __Type have? Then it asks for all of them.
    const support = await query(graph.routerUrl, '{ __type(name: "__Type") { fields { name } } }');
    expect(support.errors).toBeUndefined();
    const typeFields = (support.data as { __type: { fields: { name: string }[] } }).__type.fields.map((f) => f.name);
    expect(typeFields).toContain("isOneOf");
    const all = await query(
      graph.routerUrl,
      `{ __schema { types { ${typeFields.filter((f) => !["fields", "interfaces", "possibleTypes", "enumValues", "inputFields", "ofType"].includes(f)).join(" ")} } } }`,
    );
    expect(all.errors).toBeUndefined();
    const full = await query(
      graph.routerUrl,
      getIntrospectionQuery({
        oneOf: true,
        inputValueDeprecation: true,
        schemaDescription: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
      }),
    );
    expect(full.errors).toBeUndefined();
    const schema = buildClientSchema(full.data as unknown as IntrospectionQuery);
    expect(schema.getQueryType()?.getFields()).toHaveProperty("products");
    // Introspection beside data still goes through the planner, as does a plain query.
    expect(await query(graph.routerUrl, '{ __typename user(id: "1") { name } }')).toEqual({
      data: { __typename: "Query", user: { name: "Ada" } },
    });
  });

  it.each([
    ["{ __typename }", true],
    ["{ ...Meta } fragment Meta on Query { __schema { queryType { name } } ... on Query { __typename } }", true],
    ['{ ...Meta } fragment Meta on Query { __typename user(id: "1") { name } }', false],
    ['{ __type(name: "User") { name } user(id: "1") { name } }', false],
  ])("tells introspection-only operations apart: %s -> %s", (source, expected) => {
    const document = parse(source);
    const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
    if (operation?.kind !== Kind.OPERATION_DEFINITION) throw new Error("no operation");
    expect(rootIsMetaOnly(operation.selectionSet, fragmentsOf(document))).toBe(expected);
  });

  it("keeps a subgraph's masked internal error masked, still naming the subgraph", async () => {
    const result = await query(graph.routerUrl, '{ user(id: "boom") { name } }');
    expect(result.errors?.[0]).toMatchObject({
      message: "Internal server error.",
      extensions: { code: "INTERNAL_SERVER_ERROR", serviceName: "users" },
    });
    expect(JSON.stringify(result)).not.toMatch(/SELECT|disk|stacktrace/);
  });

  it("rejects an invalid query itself, without a subgraph name", async () => {
    const result = await query(graph.routerUrl, "{ user(id: 1) { password } }");
    expect(result.errors?.[0]?.extensions).toEqual({ code: "GRAPHQL_VALIDATION_FAILED" });
  });

  it("answers GET /health with 200 JSON", async () => {
    const response = await fetch(`${graph.origin}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", service: "router" });
  });

  it("sends a browser opening / to Sandbox at /graphql", async () => {
    const root = await fetch(`${graph.origin}/`, { headers: { accept: "text/html" }, redirect: "manual" });
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe("/graphql");

    const page = await fetch(`${graph.origin}/graphql`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("new window.EmbeddedSandbox(");
  });

  it("does not redirect non-browser requests to /", async () => {
    const response = await fetch(`${graph.origin}/`, { headers: { accept: "application/json" }, redirect: "manual" });
    expect(response.status).toBe(404);
  });
});

describe("router with a subgraph down", () => {
  let graph: Graph;
  beforeAll(async () => {
    graph = await startGraph({ createRouter: createServer });
    await graph.stopProducts();
  });
  afterAll(() => graph?.close());

  it("returns the other subgraph's data plus an error naming the down subgraph", async () => {
    const result = await query(graph.routerUrl, '{ user(id: "1") { name products { title } } }');
    expect(result.data).toEqual({ user: { name: "Ada", products: null } });
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0]).toMatchObject({
      message: 'Subgraph "products" is unavailable: it could not be reached.',
      extensions: { code: ErrorCode.SUBGRAPH_UNAVAILABLE, serviceName: "products" },
    });
    expect(JSON.stringify(result.errors)).not.toContain("127.0.0.1");
  });

  it("keeps serving queries that only need the live subgraph", async () => {
    expect(await query(graph.routerUrl, '{ user(id: "2") { name } }')).toEqual({ data: { user: { name: "Grace" } } });
  });
});

describe("router in production mode", () => {
  let graph: Graph;
  beforeAll(async () => {
    graph = await startGraph({ createRouter: (inputs) => createServer({ ...inputs, production: true }) });
  });
  afterAll(() => graph?.close());

  it("serves no Sandbox and refuses introspection", async () => {
    const page = await fetch(`${graph.origin}/graphql`, { headers: { accept: "text/html" } });
    expect(await page.text()).not.toContain("EmbeddedSandbox");
    const result = await query(graph.routerUrl, "{ __schema { queryType { name } } }");
    expect(result.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });
});

describe("subgraph URL overrides", () => {
  it("routes a subgraph to its override instead of the supergraph's routing URL", async () => {
    await using graph = await startGraph({ createRouter: createServer, routeUsersVia: "override" });
    expect(await query(graph.routerUrl, '{ user(id: "1") { name } }')).toEqual({ data: { user: { name: "Ada" } } });
  });

  it("parses SUBGRAPH_<NAME>_URL variables and rejects a bad URL naming the variable", () => {
    const config = readConfig({ SUBGRAPH_USERS_URL: "http://users:4001/graphql", SUBGRAPH_PRODUCTS_URL: "" });
    expect(config.SUBGRAPH_URLS).toEqual({ USERS: ["http://users:4001/graphql"] });
    expect(readConfig({ SUBGRAPH_USERS_URL: "http://a:1/graphql, http://b:2/graphql" }).SUBGRAPH_URLS).toEqual({
      USERS: ["http://a:1/graphql", "http://b:2/graphql"],
    });

    for (const bad of ["not a url", "ftp://users/graphql"]) {
      expect(() => readConfig({ SUBGRAPH_USERS_URL: bad })).toThrow(ConfigError);
      expect(() => readConfig({ SUBGRAPH_USERS_URL: bad })).toThrow(/SUBGRAPH_USERS_URL/);
    }
  });

  it("reports every bad variable at once", () => {
    expect(() => readConfig({ PORT: "x", SUBGRAPH_PRODUCTS_URL: "nope" })).toThrow(/PORT[\s\S]*SUBGRAPH_PRODUCTS_URL/);
  });

  it("rejects an override for a subgraph the supergraph does not have, naming the variable", async () => {
    const supergraphSdl = composeTinySupergraph({ users: await deadUrl(), products: await deadUrl() });
    expect(
      listSubgraphs(supergraphSdl)
        .map((subgraph) => subgraph.name)
        .sort(),
    ).toEqual(["products", "users"]);
    // The names SUBGRAPH_<NAME>_URL variables give (USERS) and the subgraphs' own (users) are the same.
    await (
      await createServer({ supergraphSdl, logger: silentLogger, subgraphUrls: { USERS: ["http://u/graphql"] } })
    ).close();
    const unknown = createServer({
      supergraphSdl,
      logger: silentLogger,
      subgraphUrls: { ORDERS: ["http://o/graphql"] },
    });
    await expect(unknown).rejects.toThrow(ConfigError);
    await expect(unknown).rejects.toThrow(
      /SUBGRAPH_ORDERS_URL: the supergraph has no subgraph "orders"; its subgraphs are products \(SUBGRAPH_PRODUCTS_URL\), users \(SUBGRAPH_USERS_URL\)/,
    );
  });
});

describe("router config", () => {
  it("defaults to port 4000 on 127.0.0.1, the repo's supergraph.graphql, and telemetry off", () => {
    const config = readConfig({});
    expect(config).toMatchObject({ PORT: 4000, HOST: "127.0.0.1", APOLLO_TELEMETRY: false, production: false });
    expect(config.SUPERGRAPH_PATH).toMatch(/supergraph\.graphql$/);
    const secrets = { JWT_SECRET: "j".repeat(40), SUBGRAPH_SIGNING_SECRET: "s".repeat(40) };
    expect(readConfig({ APOLLO_TELEMETRY: "on", NODE_ENV: "production", ...secrets })).toMatchObject({
      APOLLO_TELEMETRY: true,
      production: true,
    });
    expect(() => readConfig({ APOLLO_TELEMETRY: "maybe" })).toThrow(/APOLLO_TELEMETRY/);
  });

  it("fails clearly when the supergraph file is missing or not a supergraph", () => {
    expect(() => readSupergraphFile("/nonexistent/supergraph.graphql")).toThrow(
      /\/nonexistent\/supergraph\.graphql.*npm run compose/,
    );
    expect(() => readSupergraphFile(new URL("../package.json", import.meta.url).pathname)).toThrow(
      /package\.json is invalid.*npm run compose/,
    );
  });
});

describe("failures of the router itself, outside any subgraph", () => {
  /** A fragment that doubles at each level: 2^24 selections once expanded, past the planner's limit. */
  const fragmentBomb = () => {
    const fragments = ["fragment F0 on User { name products { title } }"];
    for (let i = 1; i <= 24; i++) {
      fragments.push(
        `fragment F${i} on User { a: products { createdBy { ...F${i - 1} } } b: products { createdBy { ...F${i - 1} } } }`,
      );
    }
    return `{ user(id: "1") { ...F24 } } ${fragments.join(" ")}`;
  };
  /** The router's operation limits refuse the bomb before planning (limits/liveGraph.test.ts): off here, to reach the planner. */
  const unlimited = (inputs: RouterInputs) => createServer({ ...inputs, limits: LIMITS_OFF });

  it.each([
    [
      { query: "query A { products { title } }", operationName: "Nope" },
      "OPERATION_RESOLUTION_FAILURE",
      /Unknown operation named "Nope"/,
    ],
    [
      { query: "query A { products { title } } query B { products { title } }" },
      "OPERATION_RESOLUTION_FAILURE",
      /operationName/,
    ],
    [{ query: "subscription S { products { title } }" }, "GRAPHQL_VALIDATION_FAILED", /no subscriptions/],
  ])(
    "a client's operation mistake is a 400 before planning, not a planner failure: %j",
    async (body, code, message) => {
      await using graph = await startGraph({ createRouter: createServer, chaos: ["products"] });
      const response = await fetch(graph.routerUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(400);
      const json = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(json.errors).toHaveLength(1);
      expect(json.errors[0]?.extensions.code).toBe(code);
      expect(json.errors[0]?.message).toMatch(message);
      expect(graph.chaosOf("products").hits).toBe(0);
    },
  );

  it("an operation the planner cannot plan gets QUERY_PLANNING_FAILED (its reason outside production), not a bare INTERNAL_SERVER_ERROR", async () => {
    await using graph = await startGraph({ createRouter: unlimited });
    expect(await query(graph.routerUrl, fragmentBomb())).toEqual({
      errors: [
        {
          message: "The router could not plan this operation: Exceeded maximum recursive selections in this operation.",
          extensions: { code: ErrorCode.QUERY_PLANNING_FAILED },
        },
      ],
    });
    expect(await query(graph.routerUrl, '{ user(id: "1") { name } }')).toEqual({ data: { user: { name: "Ada" } } });
  });

  it("in production the same failure keeps its code and says nothing of the planner's own words", async () => {
    await using graph = await startGraph({
      createRouter: (inputs) => createServer({ ...inputs, production: true, limits: LIMITS_OFF }),
    });
    expect((await query(graph.routerUrl, fragmentBomb())).errors).toEqual([
      { message: "The router could not plan this operation.", extensions: { code: ErrorCode.QUERY_PLANNING_FAILED } },
    ]);
  });

  it("a failure after planning is QUERY_EXECUTION_FAILED", () => {
    const failure = gatewayFailure(new Error("result merge failed"), { planned: true, production: false });
    expect([failure.message, failure.extensions.code]).toEqual([
      "The router could not execute this operation: result merge failed.",
      ErrorCode.QUERY_EXECUTION_FAILED,
    ]);
  });

  it("masks a subgraph error whose code is outside the contract, still naming the subgraph", () => {
    const format = formatRouterError((formatted) => formatted, silentLogger);
    expect(
      format(
        { message: "teapot", path: ["user"], extensions: { code: "I_AM_A_TEAPOT", serviceName: "users" } },
        undefined,
      ),
    ).toEqual({
      message: "Internal server error.",
      path: ["user"],
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, serviceName: "users" },
    });
    const known = { message: "no", extensions: { code: ErrorCode.NOT_FOUND, serviceName: "users" } };
    expect(format(known, undefined)).toEqual(known);
  });
});
