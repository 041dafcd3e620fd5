import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ErrorCode } from "@supergraph/error-codes";
import { createLogger } from "@supergraph/service-kit";
import { deadUrl } from "@supergraph/testing";
import { describe, expect, it } from "vitest";
import { SubgraphFetchError } from "./errors.js";
import { AttemptTimeout, untilAborted } from "./replica.js";
import { resolveSubgraphSettings, type SubgraphSection } from "./settings.js";
import { Upstream, type UpstreamDeps } from "./upstream.js";

const logger = createLogger({ service: "upstream-test", level: "silent" });
const OK_BODY = JSON.stringify({ data: { __typename: "Query" } });

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A fake subgraph replica on 127.0.0.1 whose behaviour a test can change, counting requests. */
interface Fake extends AsyncDisposable {
  url: string;
  hits: number;
  handle: Handler;
  server: Server;
}

const answer: Handler = (_req, res) => {
  res.writeHead(200, { "content-type": "application/json" }).end(OK_BODY);
};
const status =
  (code: number, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(code, headers).end("unavailable");
  };
const hang: Handler = () => {};

async function fake(handle: Handler = answer, host = "127.0.0.1", port = 0): Promise<Fake> {
  const state = { hits: 0, handle } as Fake;
  state.server = createServer((req, res) => {
    state.hits++;
    req.resume();
    req.on("end", () => state.handle(req, res));
  });
  await new Promise<void>((resolve) => state.server.listen(port, host, resolve));
  state.url = `http://${host}:${(state.server.address() as AddressInfo).port}/graphql`;
  state[Symbol.asyncDispose] = async () => {
    state.server.closeAllConnections();
    await new Promise((resolve) => state.server.close(resolve));
  };
  return state;
}

function upstream(urls: string[], section: SubgraphSection = {}, deps: UpstreamDeps = {}): Upstream {
  const settings = resolveSubgraphSettings(
    { healthCheck: { intervalMs: 0 }, retry: { initialDelayMs: 1, maxDelayMs: 5 } },
    { urls, ...section },
  );
  return new Upstream("products", settings, urls[0] ?? "", logger, deps);
}

/** Sends one request through the upstream, as the router's gateway adapter does: queries may be retried, mutations not. */
async function send(target: Upstream, mutation = false): Promise<{ status: number } | SubgraphFetchError> {
  try {
    const reply = await target.send({
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: mutation ? "mutation { m }" : "{ __typename }" }),
      retryable: !mutation,
    });
    return { status: reply.status };
  } catch (error) {
    if (error instanceof SubgraphFetchError) return error;
    throw error;
  }
}

const codeOf = (result: { status: number } | SubgraphFetchError) =>
  result instanceof SubgraphFetchError ? result.code : result.status;

describe("retries", () => {
  it("retries a query on 503 and succeeds once the subgraph answers", async () => {
    await using replica = await fake(status(503));
    setTimeout(() => {
      replica.handle = answer;
    }, 0);
    await using target = upstream([replica.url], { retry: { maxAttempts: 5 } });
    let result = await send(target);
    // The first try may already succeed if the timer ran first; either way no error reaches the caller.
    for (let i = 0; i < 3 && codeOf(result) !== 200; i++) result = await send(target);
    expect(codeOf(result)).toBe(200);
  });

  it.each([502, 503, 504, 429])(
    "retries a query on %i up to maxAttempts, then reports the last reply",
    async (code) => {
      await using replica = await fake(status(code));
      await using target = upstream([replica.url], { retry: { maxAttempts: 3 } });
      const result = await send(target);
      expect(codeOf(result)).toBe(code);
      expect(replica.hits).toBe(3);
    },
  );

  it("does not retry a query on 500 or 400", async () => {
    for (const code of [500, 400]) {
      await using replica = await fake(status(code));
      await using target = upstream([replica.url]);
      expect(codeOf(await send(target))).toBe(code);
      expect(replica.hits).toBe(1);
    }
  });

  it("never retries a mutation, whatever the failure", async () => {
    await using replica = await fake(status(503));
    await using once = upstream([replica.url], { retry: { maxAttempts: 5 } });
    expect(codeOf(await send(once, true))).toBe(503);
    expect(replica.hits).toBe(1);

    await using refused = upstream([await deadUrl(), replica.url], { retry: { maxAttempts: 5 } });
    const results = [await send(refused, true), await send(refused, true)];
    // Round robin: one of the two mutations went to the dead replica and failed, without a retry.
    expect(results.map(codeOf)).toContain(ErrorCode.SUBGRAPH_UNAVAILABLE);
  });

  it("retries a query on connection refused, on another replica, so the caller sees no error", async () => {
    await using live = await fake();
    await using target = upstream([await deadUrl(), live.url]);
    const results = await Promise.all(Array.from({ length: 6 }, () => send(target)));
    expect(results.map(codeOf)).toEqual(Array(6).fill(200));
    expect(live.hits).toBe(6);
  });

  it("waits for Retry-After on 429, and does not retry when it is longer than maxRetryAfterMs", async () => {
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(ms);
    };
    await using limited = await fake(status(429, { "retry-after": "1" }));
    await using target = upstream([limited.url], { retry: { maxAttempts: 2, maxRetryAfterMs: 2000 } }, { sleep });
    expect(codeOf(await send(target))).toBe(429);
    expect(limited.hits).toBe(2);
    expect(slept).toEqual([1000]);

    await using tooLong = await fake(status(429, { "retry-after": "30" }));
    await using impatient = upstream([tooLong.url], { retry: { maxAttempts: 3, maxRetryAfterMs: 2000 } }, { sleep });
    expect(codeOf(await send(impatient))).toBe(429);
    expect(tooLong.hits).toBe(1);
  });
});

describe("timeouts", () => {
  it("gives up on a hung subgraph at timeoutMs with SUBGRAPH_TIMEOUT, promptly", async () => {
    await using hung = await fake(hang);
    const started = Date.now();
    await using target = upstream([hung.url], { timeoutMs: 200 });
    const result = await send(target);
    expect(codeOf(result)).toBe(ErrorCode.SUBGRAPH_TIMEOUT);
    expect((result as Error).message).toBe('Subgraph "products" did not answer within 200 ms.');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("with perAttemptTimeoutMs, abandons a hung replica and retries the query on another", async () => {
    await using hung = await fake(hang);
    await using live = await fake();
    await using target = upstream([hung.url, live.url], {
      timeoutMs: 5000,
      retry: { perAttemptTimeoutMs: 100 },
      circuitBreaker: { enabled: false },
    });
    const results = [await send(target), await send(target)];
    expect(results.map(codeOf)).toEqual([200, 200]);
    expect(hung.hits).toBeGreaterThanOrEqual(1);
  });
});

describe("circuit breaker", () => {
  it("opens after repeated failures, then fails fast without calling, then half-opens and closes on recovery", async () => {
    await using replica = await fake(status(503));
    await using target = upstream([replica.url], {
      retry: { maxAttempts: 1 },
      circuitBreaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 300 },
    });
    for (let i = 0; i < 3; i++) expect(codeOf(await send(target))).toBe(503);
    expect(target.status().replicas[0]?.circuit).toBe("open");

    const hitsWhenOpened = replica.hits;
    const results = [await send(target), await send(target), await send(target)];
    expect(results.map(codeOf)).toEqual(Array(3).fill(ErrorCode.CIRCUIT_OPEN));
    expect(replica.hits).toBe(hitsWhenOpened); // fail fast: the subgraph was not called

    replica.handle = answer;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(target.status().replicas[0]?.circuit).toBe("halfOpen");
    expect(codeOf(await send(target))).toBe(200); // the probe call
    expect(target.status().replicas[0]?.circuit).toBe("closed");
    expect(codeOf(await send(target))).toBe(200);
  });

  it("keeps one breaker per replica: an open one is routed around", async () => {
    await using broken = await fake(status(503));
    await using live = await fake();
    await using target = upstream([broken.url, live.url], {
      circuitBreaker: { volumeThreshold: 2, resetTimeoutMs: 60_000 },
    });
    for (let i = 0; i < 10; i++) expect(codeOf(await send(target))).toBe(200);
    const [first, second] = target.status().replicas;
    expect(first?.circuit).toBe("open");
    expect(second?.circuit).toBe("closed");
    const brokenHits = broken.hits;
    for (let i = 0; i < 5; i++) await send(target);
    expect(broken.hits).toBe(brokenHits);
  });
});

describe("load balancing", () => {
  it("spreads requests across healthy replicas", async () => {
    await using a = await fake();
    await using b = await fake();
    await using c = await fake();
    const replicas = [a, b, c];
    await using target = upstream(replicas.map((replica) => replica.url));
    for (let i = 0; i < 30; i++) expect(codeOf(await send(target))).toBe(200);
    expect(replicas.map((replica) => replica.hits)).toEqual([10, 10, 10]);
  });

  it("reuses keep-alive connections instead of opening one per request", async () => {
    await using replica = await fake();
    let connections = 0;
    replica.server.on("connection", () => connections++);
    await using target = upstream([replica.url]);
    for (let i = 0; i < 20; i++) expect(codeOf(await send(target))).toBe(200);
    expect(connections).toBeLessThanOrEqual(2); // one, or two when a reply and the next request cross
  });

  it("prefers replicas whose health check passes, and reports reachability", async () => {
    await using live = await fake();
    const dead = await deadUrl();
    const settings = resolveSubgraphSettings(undefined, {
      urls: [dead, live.url],
      healthCheck: { intervalMs: 50, timeoutMs: 500 },
    });
    await using target = new Upstream("products", settings, dead, logger);
    await expect.poll(() => target.status().replicas.map((replica) => replica.reachable)).toEqual([false, true]);
    expect(target.status().status).toBe("degraded");
    const before = live.hits;
    for (let i = 0; i < 5; i++) expect(codeOf(await send(target))).toBe(200);
    expect(live.hits - before).toBeGreaterThanOrEqual(5);
    expect(target.status().replicas[0]?.requests).toBe(0); // never tried: its probe failed
  });
});

describe("DNS discovery", () => {
  it("makes one replica per address of the host name, sending the original Host header", async () => {
    await using first = await fake();
    const port = Number(new URL(first.url).port);
    await using second = await fake(answer, "127.0.0.2", port).catch(() => undefined);
    const addresses = second ? ["127.0.0.1", "127.0.0.2"] : ["127.0.0.1"];
    const hosts: string[] = [];
    for (const replica of [first, second]) {
      if (!replica) continue;
      replica.handle = (req, res) => {
        hosts.push(req.headers.host ?? "");
        answer(req, res);
      };
    }
    const lookup = async () => addresses.map((address) => ({ address, family: 4 }));
    await using target = upstream([`http://products.internal:${port}/graphql`], { discovery: "dns" }, { lookup });
    for (let i = 0; i < 4; i++) expect(codeOf(await send(target))).toBe(200);
    expect(target.status().replicas.map((replica) => replica.url)).toEqual(
      addresses.map((address) => `http://${address}:${port}/graphql`),
    );
    expect(new Set(hosts)).toEqual(new Set([`products.internal:${port}`]));
    if (second) expect([first.hits, second.hits]).toEqual([2, 2]);
  });

  it("reports SUBGRAPH_UNAVAILABLE when the host name does not resolve", async () => {
    const lookup = async () => {
      throw new Error("getaddrinfo ENOTFOUND products.internal");
    };
    await using target = upstream(["http://products.internal:4002/graphql"], { discovery: "dns" }, { lookup });
    const result = await send(target);
    expect(codeOf(result)).toBe(ErrorCode.SUBGRAPH_UNAVAILABLE);
    expect((result as Error).message).toMatch(/no replica address is known \(getaddrinfo ENOTFOUND/);
  });
});

describe("a try's deadline", () => {
  // undici honours an abort only once a request is on a connection: a connection still being made
  // (a host gone silent) would hold the try until the pool's connect timeout.
  it("abandons a request that never settles (a connection still being made) as soon as the signal aborts", async () => {
    const controller = new AbortController();
    const never = new Promise<{ body: { dump(): Promise<void> } }>(() => {});
    const pending = untilAborted(never, controller.signal);
    controller.abort(new AttemptTimeout());
    await expect(pending).rejects.toBeInstanceOf(AttemptTimeout);
  });

  it("discards a response that arrives after the deadline, and passes one that arrives before", async () => {
    let dumped = 0;
    const response = { body: { dump: async () => void dumped++ } };
    let arrive: (value: typeof response) => void = () => {};
    const late = untilAborted(new Promise<typeof response>((resolve) => (arrive = resolve)), AbortSignal.abort());
    await expect(late).rejects.toBeDefined();
    arrive(response);
    await expect.poll(() => dumped).toBe(1);
    await expect(untilAborted(Promise.resolve(response), new AbortController().signal)).resolves.toBe(response);
  });
});
