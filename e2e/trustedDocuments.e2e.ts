import {
  ClientNetworkError,
  CreateProductDocument,
  createClient,
  ProductDocument,
  persistedHash,
  UsersDocument,
} from "@supergraph/client";
import { bearer, postGraphQL, type System, startSystem } from "@supergraph/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Trusted-documents mode with real processes: the router enforces router.yaml's manifest (the typed
 * client's persisted-documents.json), so the typed client works, by hash or as text, and nothing
 * else runs. Seed data: Alice (user 1) created Product A (101).
 */
let system: System;
beforeAll(async () => {
  system = await startSystem({ env: { router: { ROUTER_TRUSTED_DOCUMENTS__ENFORCE: "true" } } });
});
afterAll(async () => {
  await system?.shutdown();
});

/** The typed client, recording each request body it sends. */
function recordingClient(options: { headers?: Record<string, string>; persistedQueries?: boolean } = {}) {
  const bodies: Record<string, unknown>[] = [];
  const client = createClient({
    url: system.routerUrl,
    ...options,
    fetch: async (input, init) => {
      bodies.push(JSON.parse(String(init?.body)) as Record<string, unknown>);
      return fetch(input, init);
    },
  });
  return { client, bodies };
}

describe("a router enforcing trusted documents", () => {
  it("serves the typed client's operations sent by their manifest hash alone", async () => {
    const { client, bodies } = recordingClient();
    const result = await client.request(UsersDocument, { first: 10 });
    expect(result.errors).toEqual([]);
    expect(result.data?.users.nodes.map((user) => user.name)).toEqual(["Alice", "Bob"]);
    expect(bodies).toEqual([
      expect.objectContaining({
        extensions: { persistedQuery: { version: 1, sha256Hash: persistedHash(UsersDocument) } },
      }),
    ]);
    expect(bodies[0]).not.toHaveProperty("query");
  });

  it("runs a signed-in write by hash too", async () => {
    const { client } = recordingClient({ headers: await bearer("1") });
    const { createProduct } = await client.requestData(CreateProductDocument, {
      input: { name: "Trusted lamp", price: "9.99" },
    });
    expect(createProduct).toMatchObject({ name: "Trusted lamp", createdBy: { id: "1", name: "Alice" } });
  });

  it("accepts the same operations as full text, printed by the client (not the manifest's text)", async () => {
    const { client, bodies } = recordingClient({ persistedQueries: false });
    const result = await client.request(ProductDocument, { id: "101" });
    expect(result.data?.product?.name).toBe("Product A");
    expect(bodies[0]?.query).toEqual(expect.stringContaining("query Product($id: ID!)"));
  });

  it("refuses any other operation with 400 PERSISTED_QUERY_NOT_LISTED", async () => {
    const response = await fetch(system.routerUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ products(first: 1) { nodes { name } } }" }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      errors: [{ extensions: { code: "PERSISTED_QUERY_NOT_LISTED" } }],
    });
    // Sandbox's first request, introspection, is not a trusted document either.
    const introspection = await postGraphQL(system.routerUrl, "{ __schema { queryType { name } } }");
    expect(introspection.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_LISTED");
  });

  it("answers a client whose operation is not in the manifest with the refusal, without falling back to text", async () => {
    const stale = { ...UsersDocument, __meta__: { hash: "0".repeat(64) } } as typeof UsersDocument;
    const error = await createClient({ url: system.routerUrl })
      .request(stale, { first: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientNetworkError);
    expect((error as ClientNetworkError).errors[0]?.code).toBe("PERSISTED_QUERY_NOT_LISTED");
  });
});
