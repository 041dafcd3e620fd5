import { connect } from "node:net";

/** What came back for a request written by hand on a socket. */
export interface RawExchange {
  /** The response's status; undefined when no response head came before the end. */
  status: number | undefined;
  /** The response head (status line and headers), as sent. */
  head: string;
  /** The response body, de-chunked. */
  body: string;
  /**
   * How it ended: a whole response arrived (`answered`), the server closed the connection first
   * (`closed`), or the deadline passed and the client gave up (`deadline`).
   */
  ended: "answered" | "closed" | "deadline";
  /** Milliseconds from connecting to the end. */
  ms: number;
}

export interface RawRequestOptions {
  /** Pause between two parts (a slow client). Default: 0. */
  intervalMs?: number;
  /** Give up (close the socket) after this long. Default: 10000 ms. */
  timeoutMs?: number;
}

/** A chunked body decoded, or undefined while its last chunk has not arrived. */
function dechunk(body: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  for (let at = 0; ; ) {
    const lineEnd = body.indexOf("\r\n", at);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(body.subarray(at, lineEnd).toString("latin1"), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    if (body.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** The response in `raw` if all of it has arrived (by content-length or the last chunk), else undefined. */
function complete(raw: Buffer): { status: number; head: string; body: string } | undefined {
  const split = raw.indexOf("\r\n\r\n");
  if (split < 0) return undefined;
  const head = raw.subarray(0, split).toString("latin1");
  const rest = raw.subarray(split + 4);
  const status = Number(head.split(" ")[1]);
  if (/^transfer-encoding:\s*chunked/im.test(head)) {
    const body = dechunk(rest);
    return body === undefined ? undefined : { status, head, body: body.toString("utf8") };
  }
  const length = /^content-length:\s*(\d+)/im.exec(head)?.[1];
  if (length === undefined) return undefined; // the body runs to the end of the connection
  if (rest.length < Number(length)) return undefined;
  return { status, head, body: rest.subarray(0, Number(length)).toString("utf8") };
}

/**
 * Writes an HTTP request by hand to `origin` (`http://host:port`): each of `parts` in turn (raw
 * bytes, so anything a real client would never send), `intervalMs` apart, and reads the response.
 * Stops writing as soon as the server answers or closes; bounded by `timeoutMs`. Never throws on
 * what the server does (a reset counts as `closed`); rejects only if it cannot connect.
 */
export async function rawRequest(
  origin: string,
  parts: readonly (string | Uint8Array)[],
  { intervalMs = 0, timeoutMs = 10_000 }: RawRequestOptions = {},
): Promise<RawExchange> {
  const { hostname, port } = new URL(origin);
  const started = Date.now();
  const socket = connect(Number(port), hostname);
  await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const chunks: Buffer[] = [];
  let finished = false;
  const result = new Promise<RawExchange>((resolve) => {
    const end = (ended: RawExchange["ended"]) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      const raw = Buffer.concat(chunks);
      const whole = complete(raw);
      const split = raw.indexOf("\r\n\r\n");
      const head = whole?.head ?? (split < 0 ? raw.toString("latin1") : raw.subarray(0, split).toString("latin1"));
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1];
      resolve({
        status: status === undefined ? undefined : Number(status),
        head,
        body: whole?.body ?? (split < 0 ? "" : raw.subarray(split + 4).toString("utf8")),
        ended,
        ms: Date.now() - started,
      });
    };
    const timer = setTimeout(() => end("deadline"), timeoutMs);
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      if (complete(Buffer.concat(chunks))) end("answered");
    });
    socket.on("error", () => end("closed"));
    socket.on("close", () => end(complete(Buffer.concat(chunks)) ? "answered" : "closed"));
  });
  for (const [index, part] of parts.entries()) {
    if (finished) break;
    if (index > 0 && intervalMs > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
    if (finished || socket.destroyed) break;
    socket.write(part);
  }
  return result;
}

/** An HTTP/1.1 request head, CRLF-terminated, with `Host` and `Connection: close` added. */
export function requestHead(
  origin: string,
  method: string,
  path: string,
  headers: Record<string, string | number> = {},
): string {
  const { host } = new URL(origin);
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${host}`, "Connection: close"];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}
