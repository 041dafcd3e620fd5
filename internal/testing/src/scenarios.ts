/** Shared by the fault-tolerance e2e tests and the `demo:faults` script. */

/** Short timeouts and breaker windows (router.yaml keys set through ROUTER_* variables). */
export const FAST_ROUTER_ENV = {
  ROUTER_SUBGRAPHS__ALL__TIMEOUT_MS: "1000",
  ROUTER_SUBGRAPHS__ALL__RETRY__INITIAL_DELAY_MS: "10",
  ROUTER_SUBGRAPHS__ALL__RETRY__MAX_DELAY_MS: "50",
  ROUTER_SUBGRAPHS__ALL__CIRCUIT_BREAKER__VOLUME_THRESHOLD: "3",
  ROUTER_SUBGRAPHS__ALL__CIRCUIT_BREAKER__ROLLING_WINDOW_MS: "4000",
  ROUTER_SUBGRAPHS__ALL__CIRCUIT_BREAKER__RESET_TIMEOUT_MS: "500",
  ROUTER_SUBGRAPHS__ALL__HEALTH_CHECK__INTERVAL_MS: "200",
  ROUTER_SUBGRAPHS__ALL__HEALTH_CHECK__TIMEOUT_MS: "500",
};

/**
 * Deduplication off (router.yaml `deduplication`), for tests that count subgraph tries per client
 * request: identical queries in flight at once would otherwise share one execution and one fetch.
 */
export const NO_DEDUPLICATION_ENV = {
  ROUTER_DEDUPLICATION__OPERATIONS: "false",
  ROUTER_DEDUPLICATION__SUBGRAPH_FETCHES: "false",
};

export const USERS_WITH_PRODUCTS = "{ users { nodes { name products { nodes { name } } } } }";
export const FULL = {
  users: {
    nodes: [
      { name: "Alice", products: { nodes: [{ name: "Product A" }] } },
      { name: "Bob", products: { nodes: [{ name: "Product B" }] } },
    ],
  },
};
/** With products down: every user's name, `products: null` (the field is nullable for exactly this). */
export const PARTIAL = {
  users: {
    nodes: [
      { name: "Alice", products: null },
      { name: "Bob", products: null },
    ],
  },
};
