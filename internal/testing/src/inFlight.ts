import { connect, type Socket } from "node:net";
import { type SignOptions, signedHeaders } from "./credentials.js";

/** Reads a whole HTTP/1.1 response off a socket the server closes (Connection: close), decoding chunks. */
function readResponse(socket: Socket): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const split = raw.indexOf("\r\n\r\n");
      if (split < 0) return reject(new Error(`no HTTP response: ${JSON.stringify(raw)}`));
      const head = raw.slice(0, split);
      let body = raw.slice(split + 4);
      if (/^transfer-encoding:\s*chunked/im.test(head)) {
        let decoded = "";
        for (let rest = body; ; ) {
          const lineEnd = rest.indexOf("\r\n");
          const size = Number.parseInt(rest.slice(0, lineEnd), 16);
          if (!size) break;
          decoded += rest.slice(lineEnd + 2, lineEnd + 2 + size);
          rest = rest.slice(lineEnd + 2 + size + 2);
        }
        body = decoded;
      }
      resolve({ status: Number(head.split(" ")[1]), body: JSON.parse(body) });
    });
  });
}

/**
 * Opens a GraphQL request to `origin` and sends all of it but the last bytes of its body: the
 * server has the request (its headers are parsed) but cannot answer yet, so it is in flight for
 * as long as the test wants. `finish` sends the rest and resolves with the response. `sign` signs
 * it as the router does (for a subgraph: `true` for an anonymous caller, or who the caller is).
 */
export async function requestInFlight(
  origin: string,
  query: string,
  { sign = false }: { sign?: SignOptions | boolean } = {},
): Promise<{ finish: () => Promise<{ status: number; body: unknown }> }> {
  const { hostname, port } = new URL(origin);
  const socket = connect(Number(port), hostname);
  await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const response = readResponse(socket);
  const body = JSON.stringify({ query });
  const signature = sign === false ? {} : signedHeaders(body, sign === true ? {} : sign);
  const extra = Object.entries(signature)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("");
  socket.write(
    `POST /graphql HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\n${extra}` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, -5)}`,
  );
  await new Promise((resolve) => setTimeout(resolve, 200)); // let the server parse the headers
  return {
    finish: () => {
      socket.write(body.slice(-5));
      return response;
    },
  };
}

/** True when nothing accepts connections at `origin` any more. */
export const refusesConnections = (origin: string): Promise<boolean> =>
  fetch(`${origin}/health`, { signal: AbortSignal.timeout(1000) }).then(
    () => false,
    () => true,
  );
