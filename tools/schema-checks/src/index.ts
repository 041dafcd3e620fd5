export {
  apiSchemaFileContent,
  type CompositionOutcome,
  type CompositionProblem,
  composeFromConfig,
  composeSubgraphs,
  formatProblem,
  type SubgraphSource,
  supergraphFileContent,
} from "./compose.js";
export { formatCheck, formatReport, type Report } from "./report.js";
export { type CheckOptions, runChecks } from "./runChecks.js";
export {
  compositionVersion,
  loadSupergraphConfig,
  type SubgraphConfig,
  type SupergraphConfig,
  SupergraphConfigError,
} from "./supergraphConfig.js";
