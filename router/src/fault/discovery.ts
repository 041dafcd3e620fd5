import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { ReplicaTarget } from "./replica.js";

/** Resolves a host name to every address it has (the shape of `dns.promises.lookup(name, { all: true })`). */
export type LookupAll = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const systemLookup: LookupAll = (hostname) => dnsLookup(hostname, { all: true });

/**
 * DNS discovery: one replica per address of each URL's host name. A URL whose host is already
 * an IP address is kept as is. The Host header (and TLS server name) stay the original name,
 * so virtual hosting and certificates keep working. Addresses are de-duplicated and sorted, so
 * re-resolving an unchanged name yields the same replicas.
 */
export async function resolveTargets(
  urls: readonly string[],
  lookup: LookupAll = systemLookup,
): Promise<ReplicaTarget[]> {
  const targets = new Map<string, ReplicaTarget>();
  for (const raw of urls) {
    const url = new URL(raw);
    const hostname = url.hostname.replace(/^\[|\]$/g, "");
    if (isIP(hostname)) {
      targets.set(raw, { url: raw });
      continue;
    }
    const addresses = [...new Set((await lookup(hostname)).map((entry) => entry.address))].sort();
    if (addresses.length === 0) throw new Error(`${hostname} resolved to no address`);
    for (const address of addresses) {
      const resolved = new URL(raw);
      resolved.hostname = isIP(address) === 6 ? `[${address}]` : address;
      targets.set(`${resolved.href}|${url.host}`, { url: resolved.href, host: url.host });
    }
  }
  return [...targets.values()];
}
