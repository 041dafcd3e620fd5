import { createServer } from "node:net";

/** Asks the OS for a free port on 127.0.0.1 (it is closed again, so the caller can listen on it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** A GraphQL URL nothing listens on: a port the OS just handed out and that was closed again. */
export async function deadUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}/graphql`;
}
