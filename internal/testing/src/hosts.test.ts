import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNetwork, forwardTcp, type Network, netnsSkipReason } from "./hosts.js";
import { runProcess } from "./processes.js";

const skipReason = await netnsSkipReason();
if (skipReason) console.warn(`hosts.test.ts skipped: ${skipReason} (REQUIRE_NETNS=1 makes this a failure)`);

/** Node in a host: an HTTP server on 0.0.0.0:8080 answering its host name, or a client fetching a URL. */
const SERVER =
  "require('node:http').createServer((q, s) => s.end(require('node:os').hostname())).listen(8080, '0.0.0.0', () => console.log('listening'))";
// Exits once it knows: a connection attempt to a silent host would otherwise keep it alive for seconds.
const FETCH =
  "fetch(process.argv[1], { signal: AbortSignal.timeout(1500) }).then(async (r) => console.log(await r.text()), (e) => console.log('failed', e.cause?.code ?? e.name)).finally(() => process.exit())";
const LOOKUP =
  "require('node:dns').lookup(process.argv[1], { all: true }, (e, a) => console.log(JSON.stringify(e ? e.code : a.map((x) => x.address).sort())))";

const ip = async (...args: string[]) => (await runProcess("ip", args)).stdout;

describe.skipIf(skipReason !== undefined)("a network of test hosts (network namespaces)", () => {
  let network: Network;
  beforeAll(async () => {
    network = await createNetwork();
    await network.addHost("alpha", { aliases: ["service"] });
    await network.addHost("beta", { aliases: ["service"] });
    await network.addHost("client");
  });
  afterAll(async () => {
    await network?.close();
  });

  it("gives each host an address, a host name and loopback, and every host's name resolves in each", async () => {
    const alpha = network.host("alpha");
    const beta = network.host("beta");
    expect(alpha.address).not.toBe(beta.address);
    expect(network.subnet).toMatch(/^10\.213\.\d+\.0\/24$/);
    for (const name of [network.bridge, alpha.veth, beta.veth]) expect(name.length).toBeLessThanOrEqual(15);
    const client = network.host("client");
    expect((await client.run("hostname", [])).stdout.trim()).toBe("client");
    const lookup = async (name: string) =>
      JSON.parse((await client.run(process.execPath, ["-e", LOOKUP, name])).stdout) as unknown;
    expect(await lookup("alpha")).toEqual([alpha.address]);
    expect(await lookup("service")).toEqual([alpha.address, beta.address].sort()); // a name of two hosts: both
    expect(await lookup("localhost")).toContain("127.0.0.1");
    expect(await lookup("example.com")).toEqual(expect.any(String)); // no name server: nothing resolves outside
    const links = await client.run("ip", ["-o", "link"]);
    expect(links.stdout).toMatch(/\blo:.*\bUP\b/);
  });

  it("runs a process in a host under its own PID; others reach it by name; a cut link silences it until restored", async () => {
    const alpha = network.host("alpha");
    const client = network.host("client");
    const server = alpha.start(process.execPath, ["-e", SERVER]);
    await expect.poll(() => server.output(), { timeout: 5000 }).toContain("listening");
    const namespacePids = (await ip("netns", "pids", alpha.namespace)).split(/\s+/).filter(Boolean).map(Number);
    expect(namespacePids).toContain(server.child.pid);

    const fetchFromClient = async () =>
      (await client.run(process.execPath, ["-e", FETCH, "http://alpha:8080/"])).stdout.trim();
    expect(await fetchFromClient()).toBe("alpha");
    expect(await (await fetch(`http://${alpha.address}:8080/`)).text()).toBe("alpha"); // from the root namespace too

    await alpha.cutLink();
    expect(alpha.linkUp).toBe(false);
    expect(await fetchFromClient()).toMatch(/^failed /); // silence: a timeout or unreachable, never an answer
    await alpha.restoreLink();
    await expect.poll(fetchFromClient, { timeout: 10_000, interval: 200 }).toBe("alpha");
    await server.stop();
  });

  it("forwards the gateway's port to a loopback service, and to loopback only", async () => {
    const echo = createServer((socket) => socket.pipe(socket));
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    const port = (echo.address() as { port: number }).port;
    try {
      const forward = await network.forward(port, { host: "127.0.0.1", port });
      network.addName("echo", network.gateway);
      const script =
        "const s = require('node:net').connect(Number(process.argv[2]), process.argv[1], () => s.end('ping')); s.on('data', (d) => console.log(String(d)));";
      const result = await network.host("client").run(process.execPath, ["-e", script, "echo", String(port)]);
      expect(result.stdout.trim(), result.output).toBe("ping");
      expect(forward.connections).toBe(1);
      await expect(forwardTcp({ host: network.gateway, port: 0 }, { host: "10.0.0.1", port })).rejects.toThrow(
        /loopback only/,
      );
    } finally {
      await new Promise((resolve) => echo.close(resolve));
    }
  });

  it("close() stops what runs in its hosts and removes every namespace, link, bridge and /etc/netns folder; twice is fine", async () => {
    const extra = await createNetwork();
    const host = await extra.addHost("lonely");
    const sleeper = host.start(process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
    expect(await ip("netns", "list")).toContain(host.namespace);
    await extra.close();
    await extra.close();
    expect(sleeper.running).toBe(false);
    expect(await ip("netns", "list")).not.toContain(host.namespace);
    const links = await ip("-o", "link");
    expect(links).not.toContain(host.veth);
    expect(links).not.toContain(extra.bridge);
    expect(existsSync(`/etc/netns/${host.namespace}`)).toBe(false);
    expect(readFileSync("/proc/net/dev", "utf8")).not.toContain(extra.bridge);
  });
});
