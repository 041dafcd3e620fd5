import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { formatStandings, median, race } from "./race.js";

describe("median", () => {
  it("is the middle value, or the mean of the two middle ones", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBe(0);
  });
});

describe("race", () => {
  it("runs the contenders in alternating rounds on the same request and keeps their medians and CPU cost", async () => {
    // Both contenders are this process (an HTTP server answering GraphQL-shaped JSON): the race reads its CPU time.
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end('{"data":{"ok":true}}'));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    const order: string[] = [];
    try {
      const standings = await race(
        [
          { name: "A", url, pid: process.pid },
          { name: "B", url, pid: process.pid },
        ],
        {
          body: JSON.stringify({ query: "{ ok }" }),
          rounds: 2,
          durationSeconds: 1,
          warmupSeconds: 1,
          connections: 2,
          onSample: (name, round) => order.push(`${name}${round}`),
        },
      );
      expect(order).toEqual(["A1", "B1", "A2", "B2"]);
      for (const standing of standings) {
        expect(standing.errors).toBe(0);
        expect(standing.rps).toBeGreaterThan(0);
        expect(standing.cpuMsPerRequest).toBeGreaterThan(0);
        expect(standing.range[0]).toBeLessThanOrEqual(standing.range[1]);
      }
      const table = formatStandings("same server twice", standings);
      expect(table.split("\n")).toHaveLength(4);
      expect(table).toMatch(/^A\s+\d+\s+1\.00x/m);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("race with fresh headers", () => {
  it("makes a contender's freshHeaders anew for every request it sends, over the request's body", async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        seen.push(`${req.headers["x-once"]}|${req.headers["x-body-length"]}|${Buffer.concat(chunks).length}`);
        res.writeHead(200, { "content-type": "application/json" }).end('{"data":{"ok":true}}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    let made = 0;
    const body = JSON.stringify({ query: "{ ok }" });
    try {
      const [standing] = await race(
        [
          {
            name: "signed",
            url,
            pid: process.pid,
            freshHeaders: (sent) => ({ "x-once": String(++made), "x-body-length": String(sent.length) }),
          },
        ],
        { body, rounds: 1, durationSeconds: 1, warmupSeconds: 1, connections: 2 },
      );
      expect(standing?.errors).toBe(0);
      expect(seen.length).toBeGreaterThan(10);
      const onces = seen.map((line) => line.split("|")[0]);
      expect(new Set(onces).size).toBe(onces.length); // never the same header twice
      for (const line of seen) expect(line.endsWith(`|${body.length}|${body.length}`)).toBe(true);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
