import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** How a chaos proxy treats the requests it gets: forward them, never answer, drop the connection, or answer a status. */
export type ChaosMode = "pass" | "hang" | "reset" | number;

/** A proxy in front of a subgraph that a test can break at will, counting the requests it gets. */
export interface ChaosProxy extends AsyncDisposable {
  /** The proxy's GraphQL URL: route the router here instead of to the subgraph. */
  readonly url: string;
  mode: ChaosMode;
  /** Delay before each request it passes on, in ms (probes not delayed), e.g. so that requests overlap. Default: 0. */
  delayMs: number;
  /** Modes for the next requests (probes not included), used up in order before `mode` applies again. */
  next: ChaosMode[];
  /** Requests it got, the router's health-check probes not included. */
  hits: number;
  /** What each request it got was (query, mutation, or the router's health-check probe), in order. */
  operations: ("query" | "mutation" | "probe")[];
  /** The router's `x-supergraph-*` headers (identity, signature) of each request it got, in order. */
  routerHeaders: Record<string, string>[];
  close(): Promise<void>;
}

/** Starts a chaos proxy on a free port of 127.0.0.1 in front of the GraphQL endpoint `target`. */
export async function startChaosProxy(target: string): Promise<ChaosProxy> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const text = (JSON.parse(body) as { query?: string }).query ?? "";
    const kind = text.includes("__RouterHealthCheck") ? "probe" : /^\s*mutation\b/.test(text) ? "mutation" : "query";
    proxy.operations.push(kind);
    const forwarded: Record<string, string> = { "content-type": "application/json" };
    for (const [name, value] of Object.entries(req.headers)) {
      if (name.startsWith("x-supergraph-") && typeof value === "string") forwarded[name] = value;
    }
    const { "content-type": _type, ...routerHeaders } = forwarded;
    proxy.routerHeaders.push(routerHeaders);
    if (kind !== "probe") proxy.hits++;
    const mode = (kind === "probe" ? undefined : proxy.next.shift()) ?? proxy.mode;
    if (mode === "hang") return;
    if (mode === "reset") return req.socket.destroy();
    if (typeof mode === "number") return res.writeHead(mode, { "content-type": "text/plain" }).end("chaos");
    if (kind !== "probe" && proxy.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, proxy.delayMs));
    // The router's identity and signature headers go through, so subgraphs that check signatures accept it.
    const response = await fetch(target, { method: "POST", headers: forwarded, body });
    res.writeHead(response.status, { "content-type": response.headers.get("content-type") ?? "application/json" });
    res.end(await response.text());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  const proxy: ChaosProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    mode: "pass",
    delayMs: 0,
    next: [],
    hits: 0,
    operations: [],
    routerHeaders: [],
    close,
    [Symbol.asyncDispose]: close,
  };
  return proxy;
}
