/**
 * Waits until every URL answers 2xx (e.g. the subgraphs' /health), polling, for at most --timeout ms
 * (default 60000). Always exits 0: the router works without its subgraphs and reports them as
 * unreachable until they are up, so a slow subgraph only delays the router.
 *
 *   tsx scripts/wait-for-health.ts [--timeout <ms>] <url>...
 */
import { parseArgs } from "node:util";
import { waitForHealth } from "@supergraph/testing/waitForHealth";

const { values, positionals } = parseArgs({
  options: { timeout: { type: "string", default: "60000" } },
  allowPositionals: true,
});
const late = await waitForHealth(positionals, { timeoutMs: Number(values.timeout), intervalMs: 250 });
if (late.length > 0) console.warn(`Still not healthy after ${values.timeout} ms: ${late.join(", ")}; starting anyway.`);
