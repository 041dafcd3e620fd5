export { type ChaosMode, type ChaosProxy, startChaosProxy } from "./chaosProxy.js";
export { configProblems } from "./configProblems.js";
export { bearer, type Caller, type SignOptions, signedHeaders, type TokenOptions } from "./credentials.js";
export { deadUrl, freePort } from "./freePort.js";
export {
  composeTinySupergraph,
  type Graph,
  type GraphOptions,
  productsTypeDefs,
  type RouterInputs,
  silentLogger,
  startGraph,
  startTinySubgraph,
  usersTypeDefs,
} from "./graph.js";
export {
  type AddHostOptions,
  createNetwork,
  forwardTcp,
  type Host,
  type Network,
  netnsSkipReason,
  netnsUnavailable,
  REQUIRE_NETNS_VARIABLE,
  type TcpForward,
} from "./hosts.js";
export { refusesConnections, requestInFlight } from "./inFlight.js";
export {
  type GraphQLExchange,
  type GraphQLResponse,
  graphQLBody,
  type PostOptions,
  postGraphQL,
  sendGraphQL,
} from "./postGraphQL.js";
export {
  type ProcessOptions,
  type ProcessResult,
  type RunningProcess,
  runNode,
  runProcess,
  startProcess,
} from "./processes.js";
export { type Exposition, type MetricSample, MetricsScrape, parsePrometheusText, scrapeMetrics } from "./promText.js";
export { type RawExchange, type RawRequestOptions, rawRequest, requestHead } from "./rawRequest.js";
export { type Readiness, readiness } from "./readiness.js";
export { pingRedis, type RedisServer, redisServerMissing, startRedisServer } from "./redisServer.js";
export { FAST_ROUTER_ENV, FULL, NO_DEDUPLICATION_ENV, PARTIAL, USERS_WITH_PRODUCTS } from "./scenarios.js";
export { type ScratchFiles, scratchFiles } from "./scratchFiles.js";
export {
  type Deployable,
  routerDeployable,
  type SubgraphDeployable,
  type System,
  type SystemOptions,
  startService,
  startSystem,
  subgraphDeployables,
} from "./system.js";
export { TemporaryProject, type TemporaryProjectOptions } from "./temporaryProject.js";
export { type Sample, startTraffic, type Traffic, timed, wrongAnswers } from "./traffic.js";
export { isHealthy, type WaitOptions, waitForHealth } from "./waitForHealth.js";
export {
  listWorkspaces,
  type PackageManifest,
  REPO_ROOT,
  readManifest,
  readRepoFile,
  type Workspace,
} from "./workspaces.js";
