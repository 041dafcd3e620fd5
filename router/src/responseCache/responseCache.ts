import { createHash } from "node:crypto";
import { type ApolloServerPlugin, type GraphQLRequestContext, HeaderMap } from "@apollo/server";
import type { Identity } from "@supergraph/auth";
import type { Logger } from "@supergraph/service-kit";
import { callerKey } from "../security/admission.js";
import type { RouterContext } from "../server.js";
import type { ResponseCacheMetrics } from "./metrics.js";
import { selectedTypes } from "./selectedTypes.js";
import type { ResponseCacheSettings } from "./settings.js";
import { type CacheScope, ResponseStore } from "./store.js";

/** Says whether a response came from the response cache: `HIT` or `MISS` (queries only, with the cache on). */
export const CACHE_STATUS_HEADER = "x-cache";

/** The gateway puts its query plan in the response when asked with this header: a cached response has none. */
const QUERY_PLAN_HEADER = "apollo-query-plan-experimental";

export interface ResponseCacheOptions {
  settings: ResponseCacheSettings;
  /** Its metrics. Default: none. */
  metrics?: ResponseCacheMetrics;
  logger?: Logger;
  /** The clock (ms since the epoch), a test seam for TTLs. Default: Date.now. */
  now?: () => number;
}

const digest = (text: string) => createHash("sha256").update(text).digest("base64url");

/** What one request learnt when it looked the cache up. */
interface Lookup {
  /** The operation, its name and its variables (hashed). */
  base: string;
  identity: Identity | null;
  types: readonly string[];
  routerOnly: boolean;
  mark: number;
  /** Served from the cache: the entry's age in seconds. */
  age?: number;
}

/**
 * The response cache (router/README.md, "Response cache"), as Apollo Server plugins (none when
 * `settings.enabled` is false): a query is answered from memory, calling no subgraph, when the same
 * operation (document, operation name, variables) was answered before without errors and its
 * cache hints allow it. The overall policy is what the subgraphs' `Cache-Control` headers allowed
 * (the strictest of them, as @apollo/gateway computes it): kept for its max-age when that is above
 * 0; shared by every caller when PUBLIC; when PRIVATE, kept for the verified identity (user id and
 * scopes) that asked, and never for an anonymous caller. After a mutation is executed (succeeded or
 * not: a failed one may still have changed something), every entry whose operation selects a type
 * the mutation selects is evicted. A new supergraph empties the cache. Each query answer says
 * `x-cache: HIT` or `MISS`; a hit also says its `age` in seconds, and its `cache-control` is the
 * stored policy's.
 */
export function responseCache({ settings, metrics, logger, now = Date.now }: ResponseCacheOptions): {
  plugins: ApolloServerPlugin<RouterContext>[];
  /** The response cache's memory (undefined when it is off). */
  store: ResponseStore | undefined;
} {
  if (!settings.enabled) return { plugins: [], store: undefined };

  const store = new ResponseStore({
    maxEntries: settings.maxEntries,
    maxBytes: settings.maxBytes,
    now,
    ...(metrics ? { onEvict: metrics.responsesEvicted } : {}),
  });
  metrics?.watch(() => store);
  logger?.info(
    {
      maxEntries: settings.maxEntries,
      maxBytes: settings.maxBytes,
      defaultMaxAgeSeconds: settings.defaultMaxAgeSeconds,
    },
    "response cache on",
  );

  /** The key of the entry for `lookup` with `scope`; undefined for a PRIVATE one without identity. */
  const keyOf = (lookup: Lookup, scope: CacheScope) => {
    if (scope === "PUBLIC") return `P:${lookup.base}`;
    return lookup.identity ? `U:${digest(`${lookup.base}\0${callerKey(lookup.identity)}`)}` : undefined;
  };

  const lookUp = (requestContext: GraphQLRequestContext<RouterContext>, lookup: Lookup) => {
    if (requestContext.request.http?.headers.get(QUERY_PLAN_HEADER)) return undefined;
    const shared = store.get(`P:${lookup.base}`);
    if (shared) return shared;
    const privateKey = keyOf(lookup, "PRIVATE");
    return privateKey ? store.get(privateKey) : undefined;
  };

  /** The policy a finished response may be stored with, if any. */
  const policyOf = (requestContext: GraphQLRequestContext<RouterContext>, lookup: Lookup) => {
    const { overallCachePolicy, response } = requestContext;
    const { body, http } = response;
    if (body?.kind !== "single" || body.singleResult.errors || !body.singleResult.data) return undefined;
    if (http.status !== undefined && http.status !== 200) return undefined;
    const hinted = overallCachePolicy.policyIfCacheable();
    if (hinted) return hinted;
    // No hint at all, and no subgraph involved: the configured default, if any.
    if (overallCachePolicy.maxAge === undefined && lookup.routerOnly && settings.defaultMaxAgeSeconds > 0) {
      return { maxAge: settings.defaultMaxAgeSeconds, scope: overallCachePolicy.scope ?? "PUBLIC" };
    }
    return undefined;
  };

  const responses: ApolloServerPlugin<RouterContext> = {
    async serverWillStart() {
      return {
        schemaDidLoadOrUpdate() {
          store.clear();
        },
      };
    },
    async requestDidStart() {
      let lookup: Lookup | undefined;
      return {
        async responseForOperation(requestContext) {
          const { operation, document, schema, queryHash, request, operationName } = requestContext;
          if (operation.operation !== "query") return null;
          const { types, routerOnly } = selectedTypes(schema, document, operation);
          lookup = {
            base: digest(`${queryHash}\0${operationName ?? ""}\0${JSON.stringify(request.variables ?? {})}`),
            identity: requestContext.contextValue.identity ?? null,
            types,
            routerOnly,
            mark: store.mark(),
          };
          const cached = lookUp(requestContext, lookup);
          metrics?.responseLookup(cached ? "hit" : "miss");
          if (!cached) return null;
          lookup.age = Math.max(0, Math.floor((now() - cached.storedAt) / 1000));
          requestContext.metrics.responseCacheHit = true;
          // The response's cache-control header is the stored policy's (Apollo Server's cache-control plugin writes it).
          requestContext.overallCachePolicy.replace({ maxAge: cached.maxAge, scope: cached.scope });
          return { http: { headers: new HeaderMap() }, body: { kind: "single", singleResult: { data: cached.data } } };
        },
        async executionDidStart({ operation, document, schema }) {
          if (operation.operation !== "mutation") return;
          return {
            async executionDidEnd() {
              store.invalidate(selectedTypes(schema, document, operation).types);
            },
          };
        },
        async willSendResponse(requestContext) {
          if (!lookup) return;
          const { headers } = requestContext.response.http;
          if (lookup.age !== undefined) {
            headers.set(CACHE_STATUS_HEADER, "HIT");
            headers.set("age", String(lookup.age));
            return;
          }
          headers.set(CACHE_STATUS_HEADER, "MISS");
          const policy = policyOf(requestContext, lookup);
          const key = policy && keyOf(lookup, policy.scope);
          const data = requestContext.response.body.kind === "single" && requestContext.response.body.singleResult.data;
          if (!policy || !key || !data) return;
          const bytes = key.length + JSON.stringify(data).length;
          const { types, mark } = lookup;
          if (store.set(key, { data, maxAge: policy.maxAge, scope: policy.scope }, { bytes, types, mark })) {
            metrics?.responseStored();
          }
        },
      };
    },
  };
  return { plugins: [responses], store };
}
