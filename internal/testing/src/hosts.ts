/**
 * A virtual network of test hosts on this machine, as containers on one network would be: each host
 * a Linux network namespace with its own address, loopback and host name, all joined by a bridge in
 * the root namespace (which has an address on it too: the `gateway`). Processes in a host find the
 * others by name through the host's own /etc/hosts (`ip netns exec` mounts /etc/netns/<namespace>/*
 * over /etc/*). The hosts have no route beyond their subnet and no DNS server: their traffic stays
 * between the test hosts. A host's link can be cut (as if its cable were pulled) and restored.
 *
 * Needs Linux, root and iproute2: `netnsUnavailable()` says why a machine cannot, and
 * `netnsSkipReason()` turns that into a reason to skip, unless REQUIRE_NETNS=1 (CI) demands them.
 * `close()` (or `await using`) stops what runs in the hosts and removes every namespace, link,
 * bridge and /etc/netns folder it made; networks left behind by a test run that died are removed by
 * the next `createNetwork()`.
 */
import { randomBytes } from "node:crypto";
import { accessSync, constants, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer, isIP, type Socket } from "node:net";
import { delimiter, join } from "node:path";
import { type ProcessOptions, type ProcessResult, type RunningProcess, runProcess, startProcess } from "./processes.js";

/** Set to 1 where network namespaces must work (CI): a test that needs them then fails instead of skipping. */
export const REQUIRE_NETNS_VARIABLE = "REQUIRE_NETNS";

/** One host: a network namespace with its own address and host name, linked to the network's bridge. */
export interface Host {
  /** Its host name (inside it, `hostname` says so too) and the name the other hosts know it by. */
  readonly name: string;
  /** Other names it answers to in every host's /etc/hosts (e.g. one service name shared by replicas). */
  readonly aliases: readonly string[];
  /** The network namespace (`ip netns list`). */
  readonly namespace: string;
  /** Its IPv4 address; the root namespace reaches it there too. */
  readonly address: string;
  /** The root namespace's end of its link to the bridge (`ip link`); inside, the link is `eth0`. */
  readonly veth: string;
  /** False while its link is cut. */
  readonly linkUp: boolean;
  /**
   * The command line that runs `argv` in this host, for `startProcess` or the system harness's
   * `startService`: `ip netns exec` and the host name, each exec-ing the next, so the process id is
   * `argv`'s own.
   */
  command(argv: readonly [string, ...string[]]): [string, ...string[]];
  /** Starts a long-running process in this host (`startProcess`); closing the network stops it if still running. */
  start(command: string, args: readonly string[], options?: ProcessOptions): RunningProcess;
  /** Runs a command to completion in this host (`runProcess`). */
  run(command: string, args: readonly string[], options?: ProcessOptions): Promise<ProcessResult>;
  /** Cuts its link (`ip link set <veth> down`): it stays running but nothing reaches it or leaves it, silently. */
  cutLink(): Promise<void>;
  /** Restores its link. */
  restoreLink(): Promise<void>;
}

export interface AddHostOptions {
  /** More names for it, in every host's /etc/hosts: a name given to several hosts resolves to all their addresses. */
  aliases?: readonly string[];
}

/** TCP connections to one address and port, forwarded to a service of the root namespace. */
export interface TcpForward extends AsyncDisposable {
  readonly address: string;
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Stops listening and drops every forwarded connection. */
  close(): Promise<void>;
}

export interface Network extends AsyncDisposable {
  /** A short random id in the name of everything it makes. */
  readonly id: string;
  /** The bridge in the root namespace. */
  readonly bridge: string;
  /** Its IPv4 subnet, e.g. 10.213.57.0/24. */
  readonly subnet: string;
  /** The bridge's address: the root namespace as the hosts see it. */
  readonly gateway: string;
  /** The hosts, by name. */
  readonly hosts: ReadonlyMap<string, Host>;
  /** Makes a host: a namespace with a link to the bridge, the next free address, loopback up, its host name. */
  addHost(name: string, options?: AddHostOptions): Promise<Host>;
  /** One host by name; throws for a name the network does not have. */
  host(name: string): Host;
  /** Makes `name` resolve to `addresses` in every host (e.g. `postgres` to the gateway, where a forward listens). */
  addName(name: string, ...addresses: string[]): void;
  /**
   * Forwards TCP connections to the gateway's `port` (what the hosts can reach) to `target`, a
   * service of the root namespace on loopback (e.g. PostgreSQL at 127.0.0.1:5432, which no host can
   * reach otherwise). Closed with the network.
   */
  forward(port: number, target: { host: string; port: number }): Promise<TcpForward>;
  /**
   * Stops what still runs in its hosts, closes its forwards, and removes every namespace, link,
   * bridge and /etc/netns folder it made. Idempotent; also `await using`.
   */
  close(): Promise<void>;
}

/** Interface names are at most 15 characters: every name here is `sg` + kind + a 4-character id (+ a host number). */
const PREFIX = "sg";
/** Where each network notes what it made and which process made it, so a later run can remove what a dead one left. */
const LEDGER_DIR = "/run/supergraph-test-hosts";
const NETNS_ETC = "/etc/netns";
const COMMAND_TIMEOUT_MS = 15_000;

let ipPath: string | undefined;
/** The `ip` command (iproute2): on PATH, or in the sbin folders a non-login PATH may lack. */
function findIp(): string | undefined {
  if (ipPath) return ipPath;
  const folders = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/sbin", "/usr/bin", "/bin"];
  for (const folder of folders.filter(Boolean)) {
    try {
      accessSync(join(folder, "ip"), constants.X_OK);
      ipPath = join(folder, "ip");
      return ipPath;
    } catch {
      // not here
    }
  }
  return undefined;
}

function requireIp(): string {
  const ip = findIp();
  if (!ip) throw new Error("no `ip` command (iproute2) on this machine");
  return ip;
}

/** Runs `ip args`; throws with what it printed when it fails. */
async function ip(args: readonly string[]): Promise<string> {
  const result = await runProcess(requireIp(), args, { timeoutMs: COMMAND_TIMEOUT_MS });
  if (result.code !== 0) throw new Error(`ip ${args.join(" ")} failed (${result.code}): ${result.output.trim()}`);
  return result.stdout;
}

/** Runs `ip args`, ignoring a failure (for removing what may already be gone). */
async function ipQuietly(args: readonly string[]): Promise<void> {
  await runProcess(requireIp(), args, { timeoutMs: COMMAND_TIMEOUT_MS }).catch(() => undefined);
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

interface Ledger {
  pid: number;
  bridge: string;
  namespaces: string[];
  veths: string[];
}

/** Removes a network's namespaces (and whatever still runs in them), links, bridge and /etc/netns folders. */
async function removeAll({ bridge, namespaces, veths }: Omit<Ledger, "pid">): Promise<void> {
  for (const namespace of namespaces) {
    const pids = await runProcess(requireIp(), ["netns", "pids", namespace], { timeoutMs: COMMAND_TIMEOUT_MS }).catch(
      () => undefined,
    );
    for (const pid of (pids?.stdout ?? "").split(/\s+/).filter(Boolean).map(Number)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  // Deleting a namespace deletes its end of each link, and with it the other end.
  for (const namespace of namespaces) await ipQuietly(["netns", "delete", namespace]);
  for (const veth of veths) await ipQuietly(["link", "delete", veth]);
  await ipQuietly(["link", "delete", bridge]);
  for (const namespace of namespaces) rmSync(join(NETNS_ETC, namespace), { recursive: true, force: true });
}

/** Removes the networks of test runs whose process is gone (killed before it could clean up). */
async function sweepAbandoned(): Promise<void> {
  let entries: string[];
  try {
    entries = readdirSync(LEDGER_DIR);
  } catch {
    return;
  }
  for (const entry of entries.filter((name) => name.endsWith(".json"))) {
    const file = join(LEDGER_DIR, entry);
    let ledger: Ledger;
    try {
      ledger = JSON.parse(readFileSync(file, "utf8")) as Ledger;
    } catch {
      continue;
    }
    if (isAlive(ledger.pid)) continue;
    await removeAll(ledger);
    rmSync(file, { force: true });
  }
}

/**
 * Takes a /24 of 10.213.0.0/16 that no address or route of this machine is in, and that no other
 * network of a test run holds: its ledger file, created exclusively, is the reservation.
 */
async function takeSubnet(): Promise<{ third: number; ledgerFile: string; ledger: Ledger; id: string }> {
  const taken = `${await ip(["-4", "-o", "address", "show"])}\n${await ip(["-4", "route", "show", "table", "all"])}`;
  mkdirSync(LEDGER_DIR, { recursive: true });
  for (let tries = 0; tries < 50; tries++) {
    const third = randomBytes(1).readUInt8(0);
    if (taken.includes(`10.213.${third}.`)) continue;
    const ledgerFile = join(LEDGER_DIR, `10.213.${third}.json`);
    // The subnet in the id keeps the names of networks that live at once apart.
    const id = `${third.toString(16).padStart(2, "0")}${randomBytes(1).toString("hex")}`;
    const ledger: Ledger = { pid: process.pid, bridge: `${PREFIX}br${id}`, namespaces: [], veths: [] };
    try {
      writeFileSync(ledgerFile, JSON.stringify(ledger), { flag: "wx" });
      return { third, ledgerFile, ledger, id };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  throw new Error("no free /24 in 10.213.0.0/16 for the test network");
}

const LOOPBACK = new Set(["localhost", "::1"]);
const isLoopback = (host: string) => LOOPBACK.has(host) || (isIP(host) === 4 && host.startsWith("127."));

/** Forwards TCP connections to `listen` (address and port) to `target` (loopback only). */
export async function forwardTcp(
  listen: { host: string; port: number },
  target: { host: string; port: number },
): Promise<TcpForward> {
  if (!isLoopback(target.host)) throw new Error(`forwardTcp forwards to loopback only, not to ${target.host}`);
  const sockets = new Set<Socket>();
  let connections = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };
  // Half-open connections pass through: a client's end reaches the target, and the target's answer
  // still comes back after it (each direction ends on its own, as without a forward).
  const server = createServer({ allowHalfOpen: true }, (incoming) => {
    connections++;
    const outgoing = createConnection({ host: target.host, port: target.port, allowHalfOpen: true });
    track(incoming);
    track(outgoing);
    incoming.pipe(outgoing);
    outgoing.pipe(incoming);
    // A side that fails or closes (both directions done) takes the other with it.
    incoming.once("error", () => outgoing.destroy());
    outgoing.once("error", () => incoming.destroy());
    incoming.once("close", () => outgoing.destroy());
    outgoing.once("close", () => incoming.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
    return closed;
  };
  return {
    address: listen.host,
    port: listen.port,
    get connections() {
      return connections;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Host names as /etc/hosts takes them (letters, digits, dashes, dots). */
const HOST_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

let unshareUts: boolean | undefined;
/** Whether `unshare --uts` works here, so a host gets a host name of its own (else processes see the machine's). */
async function canSetHostName(namespace: string): Promise<boolean> {
  unshareUts ??= await runProcess(
    requireIp(),
    ["netns", "exec", namespace, "unshare", "--uts", "--", "sh", "-c", 'hostname "$0"', "probe"],
    { timeoutMs: COMMAND_TIMEOUT_MS },
  )
    .then((result) => result.code === 0)
    .catch(() => false);
  return unshareUts;
}

/**
 * Makes an empty network: a bridge with the gateway address of a free /24 of 10.213.0.0/16. Add
 * hosts with `addHost`. Throws (with what failed) where namespaces cannot be made.
 */
export async function createNetwork(): Promise<Network> {
  requireIp();
  await sweepAbandoned();
  const { third, ledgerFile, ledger, id } = await takeSubnet();
  const subnet = `10.213.${third}.0/24`;
  const gateway = `10.213.${third}.1`;
  const note = () => writeFileSync(ledgerFile, JSON.stringify(ledger));
  const hosts = new Map<string, Host>();
  const hostNames = new Set<string>();
  /** Name -> addresses, for every host's /etc/hosts. */
  const names = new Map<string, string[]>();
  const started = new Set<RunningProcess>();
  const forwards: TcpForward[] = [];
  let closing: Promise<void> | undefined;

  const writeHostsFiles = () => {
    const lines = ["127.0.0.1 localhost", "::1 localhost ip6-localhost ip6-loopback"];
    for (const [name, addresses] of names) for (const address of addresses) lines.push(`${address} ${name}`);
    const text = `# The test network ${subnet}: every host by name.\n${lines.join("\n")}\n`;
    // Written in place (same file, not replaced): running processes see the mounted file change.
    for (const { namespace } of hosts.values()) writeFileSync(join(NETNS_ETC, namespace, "hosts"), text);
  };
  const addNameTo = (name: string, address: string) => {
    if (!HOST_NAME.test(name)) throw new Error(`"${name}" is not a host name`);
    const addresses = names.get(name) ?? [];
    if (!addresses.includes(address)) addresses.push(address);
    names.set(name, addresses);
  };

  try {
    await ip(["link", "add", "name", ledger.bridge, "type", "bridge"]);
    await ip(["address", "add", `${gateway}/24`, "dev", ledger.bridge]);
    await ip(["link", "set", ledger.bridge, "up"]);
  } catch (error) {
    await removeAll(ledger);
    rmSync(ledgerFile, { force: true });
    throw error;
  }

  const addHost = async (name: string, { aliases = [] }: AddHostOptions = {}): Promise<Host> => {
    if (closing) throw new Error("the network is closed");
    if (!HOST_NAME.test(name)) throw new Error(`"${name}" is not a host name`);
    if (hostNames.has(name)) throw new Error(`the network already has a host "${name}"`);
    if (hostNames.size >= 250) throw new Error("a test network has at most 250 hosts");
    hostNames.add(name); // taken before the first await, so hosts added at once get their own numbers
    const index = hostNames.size;
    const address = `10.213.${third}.${index + 1}`;
    const namespace = `${PREFIX}-${id}-${name}`;
    const veth = `${PREFIX}v${id}h${index}`;
    ledger.namespaces.push(namespace);
    ledger.veths.push(veth);
    note();
    await ip(["netns", "add", namespace]);
    await ip(["link", "add", "name", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace]);
    await ip(["link", "set", veth, "master", ledger.bridge]);
    await ip(["link", "set", veth, "up"]);
    await ip(["-n", namespace, "address", "add", `${address}/24`, "dev", "eth0"]);
    await ip(["-n", namespace, "link", "set", "eth0", "up"]);
    await ip(["-n", namespace, "link", "set", "lo", "up"]);
    const etc = join(NETNS_ETC, namespace);
    mkdirSync(etc, { recursive: true });
    // No name server: a name that is not a test host fails at once, and no query leaves the host.
    writeFileSync(join(etc, "resolv.conf"), "# The test hosts resolve names through /etc/hosts only.\n");
    writeFileSync(join(etc, "hostname"), `${name}\n`);
    const ownHostName = await canSetHostName(namespace);
    const ipCommand = requireIp();
    let linkUp = true;
    const command = (argv: readonly [string, ...string[]]): [string, ...string[]] => [
      ipCommand,
      "netns",
      "exec",
      namespace,
      // A UTS namespace of its own, named after the host; each step execs the next (one process id).
      ...(ownHostName ? ["unshare", "--uts", "--", "sh", "-c", 'hostname "$0" && exec "$@"', name] : []),
      ...argv,
    ];
    const host: Host = {
      name,
      aliases: [...aliases],
      namespace,
      address,
      veth,
      get linkUp() {
        return linkUp;
      },
      command,
      start(cmd, args, options) {
        const [program, ...rest] = command([cmd, ...args]);
        const child = startProcess(program, rest, options);
        started.add(child);
        return child;
      },
      run(cmd, args, options) {
        const [program, ...rest] = command([cmd, ...args]);
        return runProcess(program, rest, { timeoutMs: 60_000, ...options });
      },
      async cutLink() {
        await ip(["link", "set", veth, "down"]);
        linkUp = false;
      },
      async restoreLink() {
        await ip(["link", "set", veth, "up"]);
        linkUp = true;
      },
    };
    hosts.set(name, host);
    addNameTo(name, address);
    for (const alias of aliases) addNameTo(alias, address);
    writeHostsFiles();
    return host;
  };

  const close = () => {
    closing ??= (async () => {
      await Promise.all([...started].map((child) => child.stop()));
      await Promise.all(forwards.map((forward) => forward.close()));
      await removeAll(ledger);
      rmSync(ledgerFile, { force: true });
    })();
    return closing;
  };

  const network: Network = {
    id,
    bridge: ledger.bridge,
    subnet,
    gateway,
    hosts,
    addHost,
    host(name) {
      const host = hosts.get(name);
      if (!host) throw new Error(`no host "${name}"; there are ${[...hosts.keys()].join(", ")}`);
      return host;
    },
    addName(name, ...addresses) {
      for (const address of addresses) addNameTo(name, address);
      writeHostsFiles();
    },
    async forward(port, target) {
      const forward = await forwardTcp({ host: gateway, port }, target);
      forwards.push(forward);
      return forward;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
  return network;
}

let probed: Promise<string | undefined> | undefined;
/**
 * Why network namespaces cannot be made here (not Linux, not root, no `ip`, or making one failed:
 * EPERM in a container without CAP_NET_ADMIN, ...), or undefined when they can. Probed once per
 * process by making a network with one host and removing it.
 */
export function netnsUnavailable(): Promise<string | undefined> {
  probed ??= (async () => {
    if (process.platform !== "linux") return `network namespaces are Linux only (this is ${process.platform})`;
    const uid = process.getuid?.();
    if (uid !== 0) return `network namespaces need root (running as uid ${uid})`;
    if (!findIp()) return "no `ip` command (iproute2) on this machine";
    try {
      const network = await createNetwork();
      try {
        await network.addHost("probe");
      } finally {
        await network.close();
      }
      return undefined;
    } catch (error) {
      return `cannot make a network namespace: ${(error as Error).message}`;
    }
  })();
  return probed;
}

/**
 * The reason to skip a test that needs network namespaces, or undefined when they work. Where
 * REQUIRE_NETNS=1 (CI) and they do not, throws instead: there the test must run.
 */
export async function netnsSkipReason(): Promise<string | undefined> {
  const reason = await netnsUnavailable();
  if (reason && process.env[REQUIRE_NETNS_VARIABLE] === "1") {
    throw new Error(`${REQUIRE_NETNS_VARIABLE}=1, but ${reason}`);
  }
  return reason;
}
