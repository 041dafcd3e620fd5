import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { printExecutableGraphQLDocument } from "@graphql-tools/documents";
import { ErrorCode } from "@supergraph/error-codes";
import { configProblems, type Graph, REPO_ROOT, scratchFiles, startGraph } from "@supergraph/testing";
import { parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "./config.js";
import { readRouterFile } from "./routerFile.js";
import { createServer } from "./server.js";
import {
  canonicalHash,
  DEFAULT_MANIFEST,
  type Manifest,
  manifestFromJson,
  readManifest,
  TrustedDocuments,
} from "./trustedDocuments.js";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
/** What the client's codegen writes: canonical text under its sha256. */
const manifestOf = (source: string, ...documents: string[]): Manifest => {
  const texts = documents.map((document) => printExecutableGraphQLDocument(parse(document)));
  return { source, documents: new Map(texts.map((text) => [sha256(text), text])) };
};

// Operations of the in-process graph's tiny schema (users: user, whoami; products: products).
const PRODUCTS = "query Products { products { title createdBy { name } } }";
const USER = "query User($id: ID!) { user(id: $id) { name } }";
const manifest = manifestOf("test-manifest.json", PRODUCTS, USER);
const hashOf = (document: string) => sha256(printExecutableGraphQLDocument(parse(document)));
const PRODUCTS_RESULT = {
  data: {
    products: [
      { title: "Lamp", createdBy: { name: "Ada" } },
      { title: "Desk", createdBy: { name: "Grace" } },
    ],
  },
};

const problems = configProblems;

describe("manifests", () => {
  it("reads the client's manifest: every key is the sha256 of its canonical text", () => {
    const { documents } = readManifest(join(REPO_ROOT, "client/persisted-documents.json"));
    expect(documents.size).toBeGreaterThan(0);
    for (const [hash, text] of documents) {
      expect(hash).toBe(sha256(text));
      expect(canonicalHash(text)).toBe(hash);
    }
  });

  it("reads Apollo's persisted query manifest format too", () => {
    const { documents } = manifestFromJson("ios.json", {
      format: "apollo-persisted-query-manifest",
      version: 1,
      operations: [{ id: "op-1", name: "Products", type: "query", body: PRODUCTS }],
    });
    expect([...documents]).toEqual([["op-1", PRODUCTS]]);
  });

  it("refuses a manifest whose key is not its text's sha256, or whose text is not GraphQL, naming the entry", () => {
    const text = printExecutableGraphQLDocument(parse(PRODUCTS));
    expect(problems(() => manifestFromJson("m.json", { [sha256(text)]: `${text} ` }))).toEqual([
      expect.stringMatching(/^m\.json: [0-9a-f]{64}: the key is not the sha256 of its text/),
    ]);
    expect(problems(() => manifestFromJson("m.json", { [sha256("{")]: "{" }))).toEqual([
      expect.stringMatching(/^m\.json: [0-9a-f]{64}: not a GraphQL document: Syntax Error/),
    ]);
    expect(problems(() => manifestFromJson("m.json", ["not", "a", "map"]))).toEqual([
      expect.stringMatching(/^m\.json: \(top level\): /),
    ]);
    expect(problems(() => readManifest(join(tmpdir(), "no-such-manifest.json")))).toEqual([
      expect.stringMatching(/no-such-manifest\.json does not exist/),
    ]);
  });

  it("refuses enforce mode without a document to allow", () => {
    expect(problems(() => new TrustedDocuments([], { enforce: true }))).toEqual([
      expect.stringContaining("trustedDocuments.enforce"),
    ]);
  });
});

describe("TrustedDocuments.verdict", () => {
  const byDefault = new TrustedDocuments([manifest]);
  const enforcing = new TrustedDocuments([manifest], { enforce: true });
  const listedText = [...manifest.documents.values()][0] ?? "";

  it("serves a manifest hash its text, in both modes", () => {
    for (const trusted of [byDefault, enforcing]) {
      expect(trusted.verdict(undefined, hashOf(USER))).toEqual({
        kind: "serve",
        query: printExecutableGraphQLDocument(parse(USER)),
      });
    }
  });

  it("by default leaves everything else to Apollo Server (APQ and ordinary queries)", () => {
    expect(byDefault.verdict(undefined, sha256("{ __typename }"))).toEqual({ kind: "pass" });
    expect(byDefault.verdict("{ __typename }", undefined)).toEqual({ kind: "pass" });
    expect(byDefault.verdict("{ __typename }", sha256("{ __typename }"))).toEqual({ kind: "pass" });
  });

  it("enforcing, lets through a listed text however it is formatted or ordered, and refuses the rest", () => {
    expect(enforcing.verdict(listedText, undefined)).toEqual({ kind: "pass" });
    const reordered = "query User($id: ID!) {\n  user(id: $id) {\n    # the name\n    name\n  }\n}\n";
    expect(enforcing.verdict(reordered, undefined)).toEqual({ kind: "pass" });
    expect(enforcing.verdict("query Products { products { title } }", undefined).kind).toBe("refuse");
    expect(enforcing.verdict("{ __typename }", sha256("{ __typename }")).kind).toBe("refuse");
    expect(enforcing.verdict(undefined, sha256("unknown")).kind).toBe("refuse");
    expect(enforcing.verdict("not graphql {", undefined).kind).toBe("refuse");
    // Longer than any listed document: refused without being parsed to the end.
    expect(enforcing.verdict(`{ ${"__typename ".repeat(10_000)}}`, undefined).kind).toBe("refuse");
  });
});

describe("router.yaml trustedDocuments", () => {
  const scratch = scratchFiles("router-trusted");
  afterAll(() => scratch.remove());
  const { dir } = scratch;
  const file = (name: string, yaml: string) => scratch.file(yaml, name);

  it("the repo's router.yaml trusts the client's manifest, not enforcing", () => {
    const { trustedDocuments } = readConfig({}).router;
    expect(trustedDocuments).toEqual({
      manifests: [join(REPO_ROOT, "client/persisted-documents.json")],
      enforce: false,
    });
    expect(TrustedDocuments.load(trustedDocuments).size).toBeGreaterThan(0);
  });

  it("resolves manifests against router.yaml's folder; ROUTER_ variables override both keys", () => {
    const path = file("a.yaml", "trustedDocuments:\n  manifests: [m/one.json]\n  enforce: false\n");
    expect(readRouterFile(path, true, {}).trustedDocuments).toEqual({
      manifests: [join(dir, "m/one.json")],
      enforce: false,
    });
    const env = {
      ROUTER_TRUSTED_DOCUMENTS__ENFORCE: "true",
      ROUTER_TRUSTED_DOCUMENTS__MANIFESTS: "one.json, /abs/two.json",
    };
    expect(readRouterFile(path, true, env).trustedDocuments).toEqual({
      manifests: [join(dir, "one.json"), "/abs/two.json"],
      enforce: true,
    });
  });

  it("defaults to the client's manifest next to router.yaml's folder, when it exists", () => {
    expect(readRouterFile(file("b.yaml", "{}\n"), true, {}).trustedDocuments).toEqual({
      manifests: [],
      enforce: false,
    });
    const routerDir = join(REPO_ROOT, "router");
    expect(readRouterFile(join(routerDir, "absent.yaml"), false, {}).trustedDocuments.manifests).toEqual([
      join(routerDir, DEFAULT_MANIFEST),
    ]);
  });

  it("names a bad key or value", () => {
    const path = file("c.yaml", "trustedDocuments:\n  enforce: yes please\n  manifest: []\n");
    expect(problems(() => readRouterFile(path, true, {}))).toEqual(
      expect.arrayContaining([`${path}: trustedDocuments.manifest: unknown key`]),
    );
    expect(problems(() => readRouterFile(path, true, {})).some((p) => p.includes("trustedDocuments.enforce"))).toBe(
      true,
    );
  });
});

/** POSTs a GraphQL body as is; answers the HTTP status and the parsed body. */
async function post(url: string, body: Record<string, unknown>) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
const byHash = (hash: string, extra: Record<string, unknown> = {}) => ({
  extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
  ...extra,
});

describe("router by default: manifest hashes known, APQ and ordinary queries as before", () => {
  let graph: Graph;
  beforeAll(async () => {
    graph = await startGraph({
      createRouter: (inputs) => createServer({ ...inputs, trustedDocuments: new TrustedDocuments([manifest]) }),
    });
  });
  afterAll(() => graph?.close());

  it("serves a manifest operation sent by hash alone", async () => {
    expect(await post(graph.routerUrl, byHash(hashOf(PRODUCTS)))).toEqual({ status: 200, body: PRODUCTS_RESULT });
    expect(await post(graph.routerUrl, byHash(hashOf(USER), { variables: { id: "2" } }))).toEqual({
      status: 200,
      body: { data: { user: { name: "Grace" } } },
    });
  });

  it("keeps APQ working: unknown hash, then text with its hash, then the hash alone", async () => {
    const query = '{ user(id: "1") { name } }';
    const hash = sha256(query);
    expect((await post(graph.routerUrl, byHash(hash))).body).toMatchObject({
      errors: [{ extensions: { code: ErrorCode.PERSISTED_QUERY_NOT_FOUND } }],
    });
    expect(await post(graph.routerUrl, byHash(hash, { query }))).toEqual({
      status: 200,
      body: { data: { user: { name: "Ada" } } },
    });
    expect(await post(graph.routerUrl, byHash(hash))).toEqual({
      status: 200,
      body: { data: { user: { name: "Ada" } } },
    });
  });

  it("runs any other query, and refuses a hash that does not match the text sent with it, as APQ does", async () => {
    expect(await post(graph.routerUrl, { query: "{ products { title } }" })).toMatchObject({
      status: 200,
      body: { data: { products: [{ title: "Lamp" }, { title: "Desk" }] } },
    });
    const mismatch = await post(graph.routerUrl, byHash(hashOf(PRODUCTS), { query: "{ products { title } }" }));
    // Apollo Server's own refusal carries no code: the service kit calls it BAD_REQUEST, not an internal error.
    expect(mismatch).toEqual({
      status: 400,
      body: { errors: [{ message: "provided sha does not match query", extensions: { code: ErrorCode.BAD_REQUEST } }] },
    });
  });
});

describe("router enforcing trusted documents", () => {
  let graph: Graph;
  beforeAll(async () => {
    graph = await startGraph({
      chaos: ["users", "products"],
      createRouter: (inputs) =>
        createServer({ ...inputs, trustedDocuments: new TrustedDocuments([manifest], { enforce: true }) }),
    });
  });
  afterAll(() => graph?.close());

  const subgraphHits = () => graph.chaosOf("users").hits + graph.chaosOf("products").hits;

  it("runs a manifest operation by hash, or as its full text however formatted", async () => {
    expect(await post(graph.routerUrl, byHash(hashOf(PRODUCTS)))).toEqual({ status: 200, body: PRODUCTS_RESULT });
    const text = "query Products {\n  products {\n    title\n    createdBy { name }\n  }\n}";
    expect(await post(graph.routerUrl, { query: text })).toEqual({ status: 200, body: PRODUCTS_RESULT });
    // The exact manifest text with its hash: what a client falling back to text may send.
    const listed = manifest.documents.get(hashOf(PRODUCTS)) ?? "";
    expect(await post(graph.routerUrl, byHash(hashOf(PRODUCTS), { query: listed }))).toEqual({
      status: 200,
      body: PRODUCTS_RESULT,
    });
  });

  it.each([
    ["an unknown hash", byHash(sha256("{ products { title } }"))],
    ["unlisted full text", { query: "{ products { title } }" }],
    ["unlisted text that is not even valid", { query: "{ products { password } }" }],
    ["an APQ registration of new text", byHash(sha256("{ products { title } }"), { query: "{ products { title } }" })],
    ["a mutation", { query: 'mutation { renameUser(id: "1", name: "Eve") { name } }' }],
  ])("refuses %s with 400 PERSISTED_QUERY_NOT_LISTED, calling no subgraph", async (_what, body) => {
    const before = subgraphHits();
    const { status, body: answer } = await post(graph.routerUrl, body);
    expect(status).toBe(400);
    expect(answer).toEqual({
      errors: [
        {
          message: expect.stringMatching(
            /^Trusted-documents mode: this router runs only the operations of its manifests/,
          ),
          extensions: { code: ErrorCode.PERSISTED_QUERY_NOT_LISTED },
        },
      ],
    });
    expect(subgraphHits()).toBe(before);
  });

  it("does not remember a refused APQ registration: its hash stays unknown", async () => {
    const query = "{ products { title } }";
    await post(graph.routerUrl, byHash(sha256(query), { query }));
    const again = await post(graph.routerUrl, byHash(sha256(query)));
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ errors: [{ extensions: { code: ErrorCode.PERSISTED_QUERY_NOT_LISTED } }] });
  });

  it("refuses unlisted text sent by GET too", async () => {
    const url = new URL(graph.routerUrl);
    url.searchParams.set("query", "{ products { title } }");
    const response = await fetch(url, { headers: { "apollo-require-preflight": "true" } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      errors: [{ extensions: { code: ErrorCode.PERSISTED_QUERY_NOT_LISTED } }],
    });
  });
});
