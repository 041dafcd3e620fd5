import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "./cli.js";
import { createClient } from "./client.js";
import { ClientNetworkError, ClientResultError } from "./errors.js";
import { UserDocument, UsersDocument } from "./generated/operations.js";
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
    expect(io.out.join("\n")).toContain("create-product --name NAME --price PRICE --created-by USER_ID");
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
