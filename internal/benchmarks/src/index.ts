export { cpuSeconds, memoryMiB, type Pinning, pinProcesses } from "./cpu.js";
export { type HttpFrontRaceOptions, raceHttpFronts } from "./httpFrontRace.js";
export { type Contender, formatStandings, median, type RaceOptions, race, type Sample, type Standing } from "./race.js";
export {
  PRODUCTS_WITH_CREATORS,
  type SeedTarget,
  seedUsers,
  seedUsersWithProducts,
  subgraphDirectly,
  throughRouter,
  USERS_PAGE,
} from "./workload.js";
