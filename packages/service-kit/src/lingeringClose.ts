import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { ErrorCode } from "@supergraph/error-codes";

/**
 * Closing a connection while the client is still sending makes the kernel reset it, and a reset
 * can discard our answer (a 413, a 431) before the client reads it. A lingering close ends our side
 * instead, reads and drops what still comes, and closes once the client has finished, or after
 * LINGER_MS at most.
 */
const LINGER_MS = 2000;
/** Sockets whose close is made lingering (a keep-alive connection may serve more requests before it closes). */
const lingering = new WeakSet<Socket>();
/** Sockets whose client error was answered: the parser reports every later chunk again. */
const answered = new WeakSet<Socket>();
export function lingerOnClose(socket: Socket): void {
  if (lingering.has(socket)) return;
  lingering.add(socket);
  // Node's HTTP server calls destroySoon once a `Connection: close` response is out.
  const lingeringClose = () => {
    socket.end();
    socket.resume();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref();
    socket.once("end", () => socket.destroy());
    socket.once("close", () => clearTimeout(timer));
  };
  Object.assign(socket, { destroySoon: lingeringClose });
}

/**
 * A client error before any request exists (a head too large, a broken request line): answered
 * with a coded JSON error, then a lingering close (see lingerOnClose).
 */
export function lingeringClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (answered.has(socket)) return;
  answered.add(socket);
  if (error.code === "ECONNRESET" || socket.destroyed) return void socket.destroy();
  const [status, code] =
    error.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? [408, ErrorCode.BAD_REQUEST]
      : error.code === "HPE_HEADER_OVERFLOW"
        ? [431, ErrorCode.BAD_REQUEST]
        : [400, ErrorCode.BAD_REQUEST];
  const message =
    status === 408
      ? "The request took too long to arrive."
      : status === 431
        ? "The request's headers are too large."
        : "The request could not be read as HTTP.";
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.resume();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
