import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { startChaosProxy } from "./chaosProxy.js";
import { deadUrl, freePort } from "./freePort.js";
import { refusesConnections, requestInFlight } from "./inFlight.js";
import { postGraphQL, sendGraphQL } from "./postGraphQL.js";
import { rawRequest, requestHead } from "./rawRequest.js";
import { startTraffic } from "./traffic.js";
import { isHealthy, waitForHealth } from "./waitForHealth.js";

/** An HTTP server on a free port of 127.0.0.1 answering with `handle`; `await using` closes it. */
async function serve(handle: (req: IncomingMessage, body: string, res: ServerResponse) => void) {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => handle(req, Buffer.concat(chunks).toString("utf8"), res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const echo = (req: IncomingMessage, body: string, res: ServerResponse) =>
  res
    .writeHead(req.url === "/fail" ? 500 : 200, { "content-type": "application/json" })
    .end(JSON.stringify({ data: { body: JSON.parse(body || "null"), headers: req.headers } }));

describe("ports and requests", () => {
  it("freePort hands out a port nothing listens on, and deadUrl a URL that refuses connections", async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(await refusesConnections(`http://127.0.0.1:${port}`)).toBe(true);
    await expect(fetch(await deadUrl())).rejects.toThrow();
  });

  it("postGraphQL sends JSON with the query, variables and headers, and returns the body whatever the status", async () => {
    await using server = await serve(echo);
    const ok = await postGraphQL<{ body: unknown; headers: Record<string, string> }>(
      `${server.origin}/graphql`,
      "{ a }",
      {
        variables: { id: "1" },
        headers: { "x-test": "yes" },
      },
    );
    expect(ok.data?.body).toEqual({ query: "{ a }", variables: { id: "1" } });
    expect(ok.data?.headers).toMatchObject({ "content-type": "application/json", "x-test": "yes" });
    expect((await postGraphQL(`${server.origin}/fail`, "{ a }")).data).toMatchObject({ body: { query: "{ a }" } });
    const failed = await sendGraphQL(`${server.origin}/fail`, "{ a }", { operationName: "A" });
    expect(failed.status).toBe(500);
    expect(failed.headers.get("content-type")).toBe("application/json");
    expect(failed.body.data).toMatchObject({ body: { query: "{ a }", operationName: "A" } });
  });

  it("sendGraphQL names the URL and status when the answer is not JSON", async () => {
    await using server = await serve((_req, _body, res) => res.writeHead(502).end("<html>bad gateway</html>"));
    await expect(sendGraphQL(server.origin, "{ a }")).rejects.toThrow(
      /answered 502 with a body that is not JSON: <html>/,
    );
  });
});

describe("raw requests", () => {
  it("writes a request by hand, part by part, and reads the whole response, chunked or not", async () => {
    await using server = await serve(echo);
    const body = JSON.stringify({ query: "{ é }" });
    const head = requestHead(server.origin, "POST", "/graphql", {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
    });
    expect(head).toMatch(/^POST \/graphql HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\nConnection: close\r\n/);
    const slow = await rawRequest(server.origin, [head, ...body], { intervalMs: 5 });
    expect(slow).toMatchObject({ status: 200, ended: "answered" });
    expect(slow.ms).toBeGreaterThanOrEqual(5 * body.length - 20);
    expect(JSON.parse(slow.body)).toMatchObject({ data: { body: { query: "{ é }" } } });

    await using chunked = await serve((_req, _body, res) => {
      res.writeHead(201, { "content-type": "text/plain" });
      res.write("partly ");
      res.end("chunked ✓");
    });
    const answer = await rawRequest(chunked.origin, [requestHead(chunked.origin, "GET", "/")]);
    expect(answer).toMatchObject({ status: 201, body: "partly chunked ✓", ended: "answered" });
  });

  it("stops writing when the server answers early, and gives up at its deadline", async () => {
    // Answers as soon as it has the headers, as servers do with a body over their limit.
    const early = createServer((_req, res) => res.writeHead(413, { connection: "close" }).end());
    await new Promise<void>((resolve) => early.listen(0, "127.0.0.1", resolve));
    try {
      const origin = `http://127.0.0.1:${(early.address() as AddressInfo).port}`;
      const head = requestHead(origin, "POST", "/", { "content-length": 100 });
      const refused = await rawRequest(origin, [head, ..."x".repeat(100)], { intervalMs: 50 });
      expect(refused).toMatchObject({ status: 413, ended: "answered" });
      expect(refused.ms).toBeLessThan(2000); // not the 5 s that writing every part would take
    } finally {
      early.closeAllConnections();
      await new Promise((resolve) => early.close(resolve));
    }
    await using server = await serve(() => {}); // never answers
    const hung = await rawRequest(server.origin, [requestHead(server.origin, "GET", "/")], { timeoutMs: 300 });
    expect(hung).toMatchObject({ status: undefined, ended: "deadline", body: "" });
    expect(hung.ms).toBeLessThan(2000);
  });
});

describe("health polling", () => {
  it("waits until a URL answers 2xx, gives up on the others at the deadline, and stops when told", async () => {
    let healthyAfter = Date.now() + 300;
    await using server = await serve((_req, _body, res) => res.writeHead(Date.now() >= healthyAfter ? 200 : 503).end());
    expect(await isHealthy(server.origin)).toBe(false);
    expect(await waitForHealth([server.origin], { intervalMs: 20, timeoutMs: 5000 })).toEqual([]);
    healthyAfter = Number.POSITIVE_INFINITY;
    const dead = await deadUrl();
    expect(await waitForHealth([server.origin, dead], { intervalMs: 20, timeoutMs: 200 })).toEqual([
      server.origin,
      dead,
    ]);
    await expect(waitForHealth([dead], { abortIf: () => "it exited" })).rejects.toThrow("it exited");
  });
});

describe("chaos proxy", () => {
  it("forwards, answers a status, drops the connection or hangs, counting what it got", async () => {
    await using upstream = await serve(echo);
    await using proxy = await startChaosProxy(`${upstream.origin}/graphql`);
    expect((await postGraphQL(proxy.url, "{ a }")).data).toMatchObject({ body: { query: "{ a }" } });
    proxy.mode = 503;
    expect((await fetch(proxy.url, { method: "POST", body: JSON.stringify({ query: "mutation { m }" }) })).status).toBe(
      503,
    );
    proxy.mode = "reset";
    await expect(postGraphQL(proxy.url, "{ a }")).rejects.toThrow();
    proxy.mode = "hang";
    await expect(postGraphQL(proxy.url, "{ a }", { timeoutMs: 200 })).rejects.toThrow();
    proxy.mode = "pass";
    await postGraphQL(proxy.url, "query __RouterHealthCheck { __typename }");
    expect(proxy.operations).toEqual(["query", "mutation", "query", "query", "probe"]);
    expect(proxy.hits).toBe(4);
  });
});

describe("traffic and requests in flight", () => {
  it("sends bounded traffic from several loops and records each answer", async () => {
    await using server = await serve(echo);
    await using traffic = startTraffic(`${server.origin}/graphql`, "{ a }", {
      concurrency: 3,
      maxRequests: 12,
      pauseMs: 0,
    });
    await expect.poll(() => traffic.samples.length).toBe(12);
    const samples = await traffic.stop();
    expect(samples).toHaveLength(12);
    expect(samples.every((sample) => sample.status === 200 && sample.body?.data)).toBe(true);
  });

  it("holds a request in flight until told to finish it", async () => {
    let received = false;
    await using server = await serve((req, body, res) => {
      received = true;
      echo(req, body, res);
    });
    const inFlight = await requestInFlight(server.origin, "{ slow }");
    expect(received).toBe(false); // the server has the headers, not the whole body
    const response = await inFlight.finish();
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ data: { body: { query: "{ slow }" } } });
  });
});
