/** The fixture subgraph as a process (`runSubgraph`), for the tests of how a subgraph process starts. */
import { runSubgraph } from "../src/index.js";
import { things } from "./things.js";

runSubgraph(things);
