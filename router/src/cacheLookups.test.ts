import { startGraph } from "@supergraph/testing";
import { expect, it } from "vitest";
import { createServer } from "./server.js";

/** `router_cache_lookups_total` by cache and result, from /metrics. */
async function lookups(origin: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${origin}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const [, cache, result, value] of text.matchAll(
    /^router_cache_lookups_total\{cache="(\w+)",result="(\w+)"\} (\d+)/gm,
  )) {
    counts[`${cache} ${result}`] = Number(value);
  }
  return counts;
}

it("counts hits and misses of the document and query-plan caches", async () => {
  await using graph = await startGraph({ createRouter: createServer });
  const post = (query: string, variables?: Record<string, unknown>) =>
    fetch(graph.routerUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    }).then((response) => response.json());
  expect(await lookups(graph.origin)).toEqual({
    "document hit": 0,
    "document miss": 0,
    "query_plan hit": 0,
    "query_plan miss": 0,
  });
  const query = "query User($id: ID!) { user(id: $id) { name } }";
  // One document, three requests (other variables do not make another document or plan).
  for (const id of ["1", "2", "1"]) expect(await post(query, { id })).toHaveProperty("data.user.name");
  await post("{ products { title } }");
  expect(await lookups(graph.origin)).toEqual({
    "document hit": 2,
    "document miss": 2,
    "query_plan hit": 2,
    "query_plan miss": 2,
  });
});
