import { randomBytes } from "node:crypto";
import { bearer, type System, sendGraphQL, startSystem } from "@supergraph/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let system: System;

beforeAll(async () => {
  system = await startSystem();
});

afterAll(async () => {
  await system?.shutdown();
});

type Line = Record<string, unknown>;

/** The JSON log lines a service has printed so far. */
const linesOf = (name: string): Line[] =>
  system
    .logs(name)
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Line);

/** The `request` lines of `name` with this request id, once at least one has been printed (bounded wait). */
async function requestLines(name: string, requestId: string): Promise<Line[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const found = linesOf(name).filter((line) => line.msg === "request" && line.requestId === requestId);
    if (found.length > 0 || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

describe("request logs across the three services (real processes)", () => {
  it("one joined request: its request id and the client's trace id in a request line of the router, users and products", async () => {
    const traceId = hex(16);
    const requestId = `logs-${hex(4)}`;
    const headers = {
      ...(await bearer("1")),
      traceparent: `00-${traceId}-${hex(8)}-01`,
      "x-request-id": requestId,
    };
    const query =
      "query UsersWithTheirProducts($first: Int) { users(first: $first) { nodes { name products { nodes { name } } } } }";
    const { status, body } = await sendGraphQL(system.routerUrl, query, { headers, variables: { first: 2 } });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();

    const [router] = await requestLines("router", requestId);
    expect(router).toMatchObject({
      level: 30,
      service: "router",
      traceId,
      method: "POST",
      route: "/graphql",
      status: 200,
      operationName: "UsersWithTheirProducts",
      subject: "1",
      outcome: "success",
    });
    expect(router?.durationMs).toEqual(expect.any(Number));
    for (const subgraph of ["users", "products"]) {
      const lines = await requestLines(subgraph, requestId);
      expect(lines.length, `${subgraph} logged the request`).toBeGreaterThan(0);
      for (const line of lines) {
        expect(line, subgraph).toMatchObject({
          service: subgraph,
          traceId,
          status: 200,
          subject: "1",
          outcome: "success",
        });
        // The router names the operations it sends after the client's (UsersWithTheirProducts__users__0).
        expect(String(line.operationName), subgraph).toContain("UsersWithTheirProducts");
      }
    }
  });

  it("starts a trace when the client sends none, and the subgraphs continue it", async () => {
    const requestId = `logs-${hex(4)}`;
    await sendGraphQL(system.routerUrl, '{ product(id: "101") { name createdBy { name } } }', {
      headers: { "x-request-id": requestId },
    });
    const [router] = await requestLines("router", requestId);
    expect(router?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(router).not.toHaveProperty("subject");
    for (const subgraph of ["users", "products"]) {
      const [line] = await requestLines(subgraph, requestId);
      expect(line?.traceId, subgraph).toBe(router?.traceId);
    }
  });

  it("never logs variables, tokens or signatures: not for bad input, a refused token or a forbidden write", async () => {
    const marker = `marker-${hex(6)}`;
    const requestIds = [`logs-${hex(4)}`, `logs-${hex(4)}`, `logs-${hex(4)}`];
    const token = (await bearer("2")).authorization ?? "";
    await sendGraphQL(system.routerUrl, "query One($id: ID!) { product(id: $id) { name createdBy { email } } }", {
      headers: { authorization: token, "x-request-id": requestIds[0] ?? "" },
      variables: { id: marker },
    });
    await sendGraphQL(system.routerUrl, "{ users { nodes { name } } }", {
      headers: { authorization: `${token.slice(0, -4)}AAAA`, "x-request-id": requestIds[1] ?? "" },
    });
    await sendGraphQL(
      system.routerUrl,
      'mutation Rename($name: String!) { updateUser(id: "1", input: { name: $name }) { name } }',
      {
        headers: { authorization: token, "x-request-id": requestIds[2] ?? "" },
        variables: { name: marker },
      },
    );
    const outcomes = [];
    for (const requestId of requestIds) outcomes.push((await requestLines("router", requestId))[0]?.outcome);
    expect(outcomes).toEqual(["BAD_USER_INPUT", "UNAUTHENTICATED", "FORBIDDEN"]);
    const everything = ["router", "users", "products"].map((name) => system.logs(name)).join("\n");
    expect(everything).not.toContain(marker);
    expect(everything).not.toContain(token.replace(/^Bearer /, ""));
    expect(everything).not.toMatch(/v1=[0-9a-f]{64}/);
  });
});
