#!/usr/bin/env node
/**
 * Waits until every URL answers 200 (e.g. the subgraphs' /health), polling, for at most
 * --timeout ms (default 60000). Always exits 0: the router works without its subgraphs and
 * reports them as unreachable until they are up, so a slow subgraph only delays the router.
 *
 *   node scripts/wait-for-health.mjs [--timeout <ms>] <url>...
 */
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  options: { timeout: { type: "string", default: "60000" } },
  allowPositionals: true,
});
const deadline = Date.now() + Number(values.timeout);

async function healthy(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

const pending = new Set(positionals);
while (pending.size > 0 && Date.now() < deadline) {
  const results = await Promise.all([...pending].map(async (url) => [url, await healthy(url)]));
  for (const [url, ok] of results) if (ok) pending.delete(url);
  if (pending.size > 0) await sleep(250);
}
if (pending.size > 0) {
  console.warn(`Still not healthy after ${values.timeout} ms: ${[...pending].join(", ")}; starting anyway.`);
}
