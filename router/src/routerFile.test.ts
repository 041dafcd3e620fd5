import { join } from "node:path";
import { composeTinySupergraph, configProblems, deadUrl, scratchFiles, silentLogger } from "@supergraph/testing";
import { afterAll, describe, expect, it } from "vitest";
import { readConfig } from "./config.js";
import { resolveSubgraphSettings, SUBGRAPH_DEFAULTS } from "./fault/settings.js";
import { envVariableToPath, readRouterFile } from "./routerFile.js";
import { createServer } from "./server.js";

const scratch = scratchFiles("router-config");
afterAll(() => scratch.remove());
const { dir } = scratch;
const file = (yaml: string) => scratch.file(yaml);
const problems = configProblems;

describe("router.yaml", () => {
  it("the repo's router/router.yaml is valid and spells out the built-in defaults", () => {
    const config = readConfig({});
    expect(config.ROUTER_CONFIG_PATH).toMatch(/router\/router\.yaml$/);
    expect(config.router.supergraph).toEqual({ path: undefined, watch: true, pollIntervalMs: 1000 });
    const { urls: _urls, ...defaults } = SUBGRAPH_DEFAULTS;
    expect(resolveSubgraphSettings(config.router.subgraphs.all, undefined)).toEqual({ urls: undefined, ...defaults });
  });

  it("layers settings: defaults, then `all`, then the subgraph's section, then SUBGRAPH_<NAME>_URL", () => {
    const path = file(`
subgraphs:
  all: { timeoutMs: 2000, retry: { maxAttempts: 2 } }
  products: { retry: { initialDelayMs: 10 }, urls: [http://a:1/graphql] }
`);
    const { subgraphs } = readRouterFile(path, true, {});
    const products = resolveSubgraphSettings(subgraphs.all, subgraphs.products);
    expect(products).toMatchObject({
      timeoutMs: 2000,
      urls: ["http://a:1/graphql"],
      retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: SUBGRAPH_DEFAULTS.retry.maxDelayMs },
    });
    expect(resolveSubgraphSettings(subgraphs.all, subgraphs.products, ["http://b:2/graphql"]).urls).toEqual([
      "http://b:2/graphql",
    ]);
    expect(resolveSubgraphSettings(subgraphs.all, subgraphs.users).urls).toBeUndefined();
  });

  it("names the file and the key of an unknown key or a bad value, all at once", () => {
    const path = file(`
supergraph: { watch: maybe }
subgraphs:
  all: { timeoutMs: -5, retry: { atempts: 3 } }
  products: { urls: [ftp://x/graphql] }
`);
    expect(problems(() => readRouterFile(path, true, {}))).toEqual([
      `${path}: supergraph.watch: Invalid input: expected boolean, received string`,
      `${path}: subgraphs.all.timeoutMs: expected at least 1 ms`,
      `${path}: subgraphs.all.retry.atempts: unknown key`,
      `${path}: subgraphs.products.urls.0: expected an http(s) URL such as http://localhost:4001/graphql`,
    ]);
  });

  it("reports a YAML syntax error and a missing explicit file, naming them", () => {
    const broken = file("subgraphs: [oops");
    expect(problems(() => readRouterFile(broken, true, {}))[0]).toMatch(new RegExp(`^${broken}: `));
    expect(problems(() => readConfig({ ROUTER_CONFIG_PATH: join(dir, "nope.yaml") }))).toEqual([
      `ROUTER_CONFIG_PATH: ${join(dir, "nope.yaml")} does not exist`,
    ]);
    // The default file missing is not an error: built-in defaults apply.
    expect(readRouterFile(join(dir, "absent.yaml"), false, {}).path).toBeUndefined();
  });

  it("resolves supergraph.path against the file's folder; SUPERGRAPH_PATH wins", () => {
    const path = file("supergraph: { path: graphs/super.graphql }");
    expect(readConfig({ ROUTER_CONFIG_PATH: path }).SUPERGRAPH_PATH).toBe(join(dir, "graphs/super.graphql"));
    expect(readConfig({ ROUTER_CONFIG_PATH: path, SUPERGRAPH_PATH: "/x.graphql" }).SUPERGRAPH_PATH).toBe("/x.graphql");
  });
});

describe("ROUTER_* environment overrides", () => {
  it("maps a variable to a key path", () => {
    expect(envVariableToPath("ROUTER_SUBGRAPHS__PRODUCTS__CIRCUIT_BREAKER__RESET_TIMEOUT_MS")).toEqual([
      "subgraphs",
      "products",
      "circuitBreaker",
      "resetTimeoutMs",
    ]);
    expect(envVariableToPath("ROUTER_SUPERGRAPH__POLL_INTERVAL_MS")).toEqual(["supergraph", "pollIntervalMs"]);
  });

  it("overrides the file, typed, with lists for urls", () => {
    const path = file("subgraphs: { all: { timeoutMs: 2000 } }");
    const config = readRouterFile(path, true, {
      ROUTER_SUBGRAPHS__ALL__TIMEOUT_MS: "500",
      ROUTER_SUBGRAPHS__ALL__CIRCUIT_BREAKER__ENABLED: "false",
      ROUTER_SUBGRAPHS__PRODUCTS__URLS: "http://a:1/graphql, http://b:2/graphql",
      ROUTER_SUPERGRAPH__WATCH: "false",
    });
    expect(config.subgraphs).toEqual({
      all: { timeoutMs: 500, circuitBreaker: { enabled: false } },
      products: { urls: ["http://a:1/graphql", "http://b:2/graphql"] },
    });
    expect(config.supergraph.watch).toBe(false);
  });

  it("ignores ROUTER_ variables that are not keys (no `__`), such as those Kubernetes injects", () => {
    const config = readRouterFile(file(""), true, {
      ROUTER_PORT: "tcp://10.0.0.1:4000",
      ROUTER_SERVICE_HOST: "10.0.0.1",
      ROUTER_CONFIG_PATH: "/elsewhere.yaml",
    });
    expect(config.subgraphs).toEqual({});
  });

  it("names the variable when its value or key is bad", () => {
    const path = file("");
    expect(
      problems(() =>
        readRouterFile(path, true, {
          ROUTER_SUBGRAPHS__ALL__TIMEOUT_MS: "soon",
          ROUTER_SUBGRAPHS__ALL__RETRY__ATTEMPTS: "3",
        }),
      ),
    ).toEqual([
      "ROUTER_SUBGRAPHS__ALL__TIMEOUT_MS: expected a number of milliseconds",
      "ROUTER_SUBGRAPHS__ALL__RETRY__ATTEMPTS: unknown key",
    ]);
  });
});

describe("router.yaml against the supergraph", () => {
  it("refuses a section naming no subgraph of the supergraph", async () => {
    const supergraphSdl = composeTinySupergraph({ users: await deadUrl(), products: await deadUrl() });
    await expect(
      createServer({ supergraphSdl, logger: silentLogger, subgraphSettings: { prodcts: { timeoutMs: 5 } } }),
    ).rejects.toThrow(/subgraphs\.prodcts: the supergraph has no subgraph "prodcts"; its subgraphs are/);
  });
});
