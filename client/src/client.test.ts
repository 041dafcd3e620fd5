import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { printExecutableGraphQLDocument } from "@graphql-tools/documents";
import { parse } from "graphql";
import { afterEach, describe, expect, it } from "vitest";
import { persistedDocuments, sha256 } from "../codegen/persistedDocuments.js";
import { main } from "./cli.js";
import { createClient, persistedHash } from "./client.js";
import { ClientNetworkError, ClientResultError } from "./errors.js";
import * as generated from "./generated/operations.js";
import { ProductDocument, UserDocument, UsersDocument } from "./generated/operations.js";
import { formatTable } from "./table.js";

let server: Server | undefined;

/** A plain HTTP server standing in for whatever sits at the URL (a proxy, a wrong service). */
async function serve(status: number, body: string, contentType = "application/json"): Promise<string> {
  server = createServer((_req, res) => {
    res.writeHead(status, { "content-type": contentType });
    res.end(body);
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** A GraphQL request as the client sent it. */
interface Sent {
  headers: IncomingHttpHeaders;
  body: {
    query?: string;
    operationName?: string;
    variables?: Record<string, unknown>;
    extensions?: { persistedQuery?: { version: number; sha256Hash: string } };
  };
}

/** A server answering each request with `answer(request)` (status 200 unless it says otherwise), recording what it got. */
async function recorder(answer: (request: Sent) => unknown | { status: number; json: unknown }) {
  const requests: Sent[] = [];
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = { headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Sent["body"] };
    requests.push(request);
    const reply = answer(request) as { status?: number; json?: unknown };
    const [status, json] = typeof reply?.status === "number" ? [reply.status, reply.json] : [200, reply];
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(json));
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, requests };
}

const notFound = { errors: [{ message: "PersistedQueryNotFound", extensions: { code: "PERSISTED_QUERY_NOT_FOUND" } }] };
const MANIFEST_PATH = fileURLToPath(new URL("../persisted-documents.json", import.meta.url));
const manifest = JSON.parse(readFileSync(MANIFEST_PATH, "utf8")) as Record<string, string>;
/** Every generated operation document (the fragments' documents carry no hash). */
const operationDocuments = Object.entries(generated).filter(
  ([name]) => name.endsWith("Document") && !name.endsWith("FragmentDoc"),
) as [string, Parameters<typeof persistedHash>[0]][];

describe("persisted documents manifest (client/persisted-documents.json)", () => {
  it("holds each operation once, under the sha256 of its canonical print, and each generated document carries that hash", () => {
    expect(operationDocuments.length).toBeGreaterThan(0);
    expect(Object.keys(manifest)).toHaveLength(operationDocuments.length);
    for (const [name, document] of operationDocuments) {
      const hash = persistedHash(document);
      expect(hash, name).toBeDefined();
      const text = manifest[hash ?? ""];
      expect(text, name).toBe(printExecutableGraphQLDocument(document));
      expect(sha256(text ?? ""), name).toBe(hash);
    }
  });

  it("is what the operations in operations/*.graphql make (npm run check:generated also compares it)", () => {
    const folder = new URL("../operations/", import.meta.url);
    const files = ["fragments.graphql", "products.graphql", "users.graphql"].map((file) =>
      parse(readFileSync(new URL(file, folder), "utf8")),
    );
    expect(persistedDocuments(files)).toEqual(manifest);
  });
});

describe("createClient: persisted queries", () => {
  it("sends a generated operation as its manifest hash alone, never as text", async () => {
    const { url, requests } = await recorder(() => ({ data: { user: null } }));
    await createClient({ url }).request(UserDocument, { id: "1" });
    expect(requests).toHaveLength(1);
    const [{ body }] = requests as [Sent];
    expect(body).not.toHaveProperty("query");
    expect(body).toMatchObject({ operationName: "User", variables: { id: "1" } });
    const hash = body.extensions?.persistedQuery?.sha256Hash ?? "";
    expect(body.extensions?.persistedQuery).toEqual({ version: 1, sha256Hash: hash });
    expect(manifest[hash]).toMatch(/^fragment UserFields on User .* query User\(\$id: ID!\)/);
  });

  it("falls back to the full text without a hash when the router does not know the hash, then sends text", async () => {
    const { url, requests } = await recorder(({ body }) => (body.query ? { data: { user: null } } : notFound));
    const client = createClient({ url });
    expect(await client.request(UserDocument, { id: "1" })).toEqual({ data: { user: null }, errors: [] });
    expect(requests.map(({ body }) => [Boolean(body.query), body.extensions?.persistedQuery !== undefined])).toEqual([
      [false, true],
      [true, false],
    ]);
    expect(parse(requests[1]?.body.query ?? "")).toBeDefined();
    // The router lacks that manifest: the same operation goes as text at once; another still tries its hash.
    await client.request(UserDocument, { id: "2" });
    await client.request(ProductDocument, { id: "101" });
    expect(
      requests.slice(2).map(({ body }) => [Boolean(body.query), body.extensions?.persistedQuery !== undefined]),
    ).toEqual([
      [true, false],
      [false, true],
      [true, false],
    ]);
  });

  it("falls back when the router has persisted queries turned off, but not when it refuses an unlisted operation", async () => {
    const notSupported = { errors: [{ message: "off", extensions: { code: "PERSISTED_QUERY_NOT_SUPPORTED" } }] };
    const off = await recorder(({ body }) => (body.query ? { data: { user: null } } : notSupported));
    expect((await createClient({ url: off.url }).request(UserDocument, { id: "1" })).errors).toEqual([]);
    await new Promise((resolve) => server?.close(resolve));

    const notListed = { errors: [{ message: "not trusted", extensions: { code: "PERSISTED_QUERY_NOT_LISTED" } }] };
    const enforcing = await recorder(() => ({ status: 400, json: notListed }));
    const error = await createClient({ url: enforcing.url })
      .request(UserDocument, { id: "1" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientNetworkError);
    expect((error as ClientNetworkError).errors[0]?.code).toBe("PERSISTED_QUERY_NOT_LISTED");
    expect(enforcing.requests).toHaveLength(1);
  });

  it("sends the text alone with persistedQueries: false", async () => {
    const { url, requests } = await recorder(() => ({ data: { user: null } }));
    await createClient({ url, persistedQueries: false }).request(UserDocument, { id: "1" });
    expect(requests[0]?.body.query).toContain("query User($id: ID!)");
    expect(requests[0]?.body.extensions).toBeUndefined();
  });
});

describe("createClient", () => {
  it("returns partial data together with typed errors (code, path, subgraph)", async () => {
    const url = await serve(
      200,
      JSON.stringify({
        data: {
          users: {
            totalCount: 1,
            nodes: [{ id: "1", name: "Alice", email: "a@x", createdAt: "t", products: null }],
            pageInfo: { hasNextPage: false, endCursor: null },
          },
        },
        errors: [
          {
            message: "down",
            path: ["users", "nodes", 0, "products"],
            extensions: { code: "SUBGRAPH_UNAVAILABLE", serviceName: "products" },
          },
        ],
      }),
    );
    const result = await createClient({ url }).request(UsersDocument);
    expect(result.data?.users.nodes[0]?.name).toBe("Alice");
    expect(result.errors).toEqual([
      expect.objectContaining({
        code: "SUBGRAPH_UNAVAILABLE",
        serviceName: "products",
        path: ["users", "nodes", 0, "products"],
      }),
    ]);
  });

  it("requestData throws ClientResultError that keeps the partial data", async () => {
    const url = await serve(
      200,
      JSON.stringify({
        data: { user: null },
        errors: [{ message: "nope", extensions: { code: "BAD_USER_INPUT", field: "id" } }],
      }),
    );
    const error = await createClient({ url })
      .requestData(UserDocument, { id: "x" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientResultError);
    expect((error as ClientResultError).errors[0]).toMatchObject({ code: "BAD_USER_INPUT", field: "id" });
    expect((error as ClientResultError).data).toEqual({ user: null });
  });

  it("raises ClientNetworkError naming the URL and status for a non-2xx response", async () => {
    const url = await serve(502, "<html>Bad Gateway</html>", "text/html");
    const error = await createClient({ url })
      .request(UsersDocument)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientNetworkError);
    expect(error).toMatchObject({ url, status: 502 });
    expect((error as Error).message).toContain(url);
    expect((error as Error).message).toContain("502");
  });

  it("raises ClientNetworkError naming the URL when nothing listens", async () => {
    const url = await serve(200, "{}");
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
    const error = await createClient({ url })
      .request(UsersDocument)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientNetworkError);
    expect((error as Error).message).toMatch(new RegExp(`Could not reach ${url}: .*ECONNREFUSED`));
  });

  it("sends the configured headers", async () => {
    let seen: string | undefined;
    server = createServer((req, res) => {
      seen = req.headers.authorization;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ data: { user: null } }));
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    await createClient({ url, headers: { authorization: "Bearer t" } }).request(UserDocument, { id: "1" });
    expect(seen).toBe("Bearer t");
  });
});

describe("CLI", () => {
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, write: (text: string) => out.push(text), writeErr: (text: string) => err.push(text) };
  };

  it.each([
    [[], "Usage:"],
    [["nope"], 'Unknown command "nope"'],
    [["user"], "Give the user id"],
    [["create-user", "--name", "X"], "--email is required"],
    [["users", "--first", "ten"], "--first must be a whole number"],
    [["users", "--bogus"], "Unknown option '--bogus'"],
  ])("exits 2 with a usage message for %j", async (argv, message) => {
    const io = capture();
    const code = await main(argv, { SUPERGRAPH_URL: "http://127.0.0.1:9/graphql" }, io.write, io.writeErr);
    expect(code).toBe(2);
    expect(io.err.join("\n")).toContain(message);
  });

  it("prints help on --help and exits 0", async () => {
    const io = capture();
    expect(await main(["--help"], {}, io.write, io.writeErr)).toBe(0);
    const help = io.out.join("\n");
    expect(help).toContain(
      "create-product --name NAME --price PRICE [--description TEXT] [--created-by USER_ID (admins)]",
    );
    expect(help).toContain("--token JWT");
    expect(help).toContain("npm run token -- --user <id>");
  });

  it("sends --token, else SUPERGRAPH_TOKEN, as a bearer token, and nothing without one", async () => {
    const { url, requests } = await recorder(() => ({ data: { user: null } }));
    const io = capture();
    await main(
      ["user", "1", "--url", url, "--token", "flag.jwt"],
      { SUPERGRAPH_TOKEN: "env.jwt" },
      io.write,
      io.writeErr,
    );
    await main(["user", "1", "--url", url], { SUPERGRAPH_TOKEN: "env.jwt" }, io.write, io.writeErr);
    await main(["user", "1", "--url", url], {}, io.write, io.writeErr);
    expect(requests.map(({ headers }) => headers.authorization)).toEqual([
      "Bearer flag.jwt",
      "Bearer env.jwt",
      undefined,
    ]);
  });

  it("shows another user's private email as (hidden)", async () => {
    const user = { id: "2", name: "Bob", email: null, createdAt: "2026-01-01T00:00:00Z" };
    const products = { nodes: [], pageInfo: { hasNextPage: false } };
    const { url } = await recorder(() => ({ data: { user: { ...user, products } } }));
    const io = capture();
    expect(await main(["user", "2", "--url", url], {}, io.write, io.writeErr)).toBe(0);
    expect(io.out.join("\n")).toMatch(/^2\s+Bob\s+\(hidden\)\s+2026/m);
  });

  it("creates a product as the signed-in user, or for --created-by (admins)", async () => {
    const product = { id: "103", name: "Lamp", price: "12.50", description: null, createdAt: "t", createdBy: null };
    const { url, requests } = await recorder(() => ({ data: { createProduct: product } }));
    const io = capture();
    const args = ["create-product", "--name", "Lamp", "--price", "12.50", "--url", url, "--token", "t"];
    expect(await main(args, {}, io.write, io.writeErr)).toBe(0);
    expect(await main([...args, "--created-by", "3"], {}, io.write, io.writeErr)).toBe(0);
    expect(requests.map(({ body }) => body.variables?.input)).toEqual([
      { name: "Lamp", price: "12.50" },
      { name: "Lamp", price: "12.50", createdById: "3" },
    ]);
  });

  it("says how to mint a token when a write is refused UNAUTHENTICATED, and who may when it is FORBIDDEN", async () => {
    const refusal = (code: string, message: string) => ({
      data: null,
      errors: [{ message, path: ["updateProduct"], extensions: { code, serviceName: "products" } }],
    });
    const { url } = await recorder(({ headers }) =>
      headers.authorization
        ? refusal("FORBIDDEN", 'Only its creator or an admin may update product "103".')
        : refusal("UNAUTHENTICATED", 'Sign in to update product "103".'),
    );
    const anonymous = capture();
    expect(
      await main(["update-product", "103", "--price", "13", "--url", url], {}, anonymous.write, anonymous.writeErr),
    ).toBe(1);
    expect(anonymous.err.join("\n")).toContain("error [UNAUTHENTICATED] Sign in to update product");
    expect(anonymous.err.join("\n")).toContain(
      "hint: This needs a signed-in user. Mint a token with `npm run token -- --user <id>`",
    );

    const signedIn = capture();
    const argv = ["update-product", "103", "--price", "13", "--url", url];
    expect(await main(argv, { SUPERGRAPH_TOKEN: "t" }, signedIn.write, signedIn.writeErr)).toBe(1);
    expect(signedIn.err.join("\n")).toContain(
      "hint: The signed-in user may not change product 103; only its creator or an admin may, and nothing was changed.",
    );
  });

  it("says the token was refused when the router answers 401 UNAUTHENTICATED", async () => {
    const { url } = await recorder(() => ({
      status: 401,
      json: { errors: [{ message: "The token has expired.", extensions: { code: "UNAUTHENTICATED" } }] },
    }));
    const io = capture();
    expect(await main(["delete-user", "3", "--url", url, "--token", "old"], {}, io.write, io.writeErr)).toBe(1);
    expect(io.err.join("\n")).toMatch(/answered HTTP 401.*\[UNAUTHENTICATED\] The token has expired\./);
    expect(io.err.join("\n")).toContain("hint: The router refused the token");
  });

  it("exits 1 with the URL when the router cannot be reached", async () => {
    const io = capture();
    const code = await main(["users", "--url", "http://127.0.0.1:9/graphql"], {}, io.write, io.writeErr);
    expect(code).toBe(1);
    expect(io.err.join("\n")).toContain("Could not reach http://127.0.0.1:9/graphql");
  });
});

describe("formatTable", () => {
  it("aligns columns under a header", () => {
    expect(
      formatTable(
        ["id", "name"],
        [
          ["1", "Alice"],
          ["22", "Bo"],
        ],
      ),
    ).toBe("id  name\n--  -----\n1   Alice\n22  Bo");
  });
});
