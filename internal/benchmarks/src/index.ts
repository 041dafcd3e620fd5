export { type Answer, type AnswerProblem, compareAnswers, describeProblems, firstDifference } from "./answers.js";
export {
  cpuSeconds,
  type MachineInfo,
  machineInfo,
  memoryMiB,
  type Pinning,
  pinProcesses,
  resetPeakMemory,
} from "./cpu.js";
export {
  type GatewayBenchOptions,
  type GatewayBenchResult,
  plannedSeconds,
  runGatewayBench,
} from "./gatewayBench.js";
export { GATEWAY_IDS, GATEWAY_NAMES, type GatewayId } from "./gateways.js";
export {
  type BenchRequest,
  type DatasetSize,
  READ_WORKLOADS,
  type ReadWorkload,
} from "./gatewayWorkloads.js";
export { type HttpFrontRaceOptions, raceHttpFronts } from "./httpFrontRace.js";
export { type Contender, formatStandings, median, type RaceOptions, race, type Sample, type Standing } from "./race.js";
export { type BenchReport, type Figures, formatReport, type Row, type SoakReport } from "./report.js";
export {
  PRODUCTS_WITH_CREATORS,
  type SeedTarget,
  seedUsers,
  seedUsersWithProducts,
  subgraphDirectly,
  throughRouter,
  USERS_PAGE,
} from "./workload.js";
