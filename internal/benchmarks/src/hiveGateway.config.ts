/**
 * Hive Gateway's published benchmark configuration, a peer of the gateway race (never shipped):
 * identical in-flight client operations share one execution. Run with `--jit` (compiled execution):
 *
 *   hive-gateway supergraph supergraph.graphql --jit -c internal/benchmarks/src/hiveGateway.config.ts
 *
 * The supergraph and the port come from the command line; everything else stays at its default.
 */
// A plain object, not `defineConfig`: importing Hive Gateway's types would bring the DOM's fetch
// types into the whole project's typecheck.
export const gatewayConfig = {
  inboundInflightRequestDeduplication: true,
};
