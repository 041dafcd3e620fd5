import type { ApolloGateway } from "@apollo/gateway";
import type { ApolloServerPlugin, BaseContext } from "@apollo/server";

type Count = (cache: "document" | "query_plan", hit: boolean) => void;

/**
 * Counts hits and misses of the two caches every request goes through: Apollo Server's parsed and
 * validated documents (a plugin: Apollo parses only what its document cache did not have) and the
 * gateway's query plans (its query-plan store, whose lookups are counted as they are made). For
 * `router_cache_lookups_total`; nothing else changes.
 */
export function countCacheLookups<TContext extends BaseContext>(
  gateway: ApolloGateway,
  count: Count,
): ApolloServerPlugin<TContext> {
  const store = (gateway as unknown as { queryPlanStore?: { get(key: string): Promise<unknown> } }).queryPlanStore;
  if (store) {
    const get = store.get.bind(store);
    store.get = async (key) => {
      const plan = await get(key);
      count("query_plan", plan !== undefined);
      return plan;
    };
  }
  return {
    async requestDidStart() {
      let parsed = false;
      return {
        async parsingDidStart() {
          parsed = true;
        },
        async didResolveOperation() {
          count("document", !parsed);
        },
      };
    },
  };
}
