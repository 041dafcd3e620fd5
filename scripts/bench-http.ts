/**
 * The services' HTTP front, measured: the kit's (Fastify) against Express 5 on the same services, in
 * one run, as ratios. Starts its own processes on free ports of 127.0.0.1; needs `npm run build`.
 * Every process runs with PROTECTIONS=off, so both fronts do the same work (the Express peer runs
 * no token or signature checks); `npm run bench:overhead -- --protections both` measures what those cost.
 *
 *   npm run bench:http [-- --rounds 5 --duration 5 --warmup 2 --connections 50]
 */
import { parseArgs } from "node:util";
import { raceHttpFronts } from "@supergraph/benchmarks";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    duration: { type: "string", default: "5" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "50" },
  },
});
const options = {
  rounds: Number(values.rounds),
  durationSeconds: Number(values.duration),
  warmupSeconds: Number(values.warmup),
  connections: Number(values.connections),
};
if (Object.values(options).some((value) => !Number.isInteger(value) || value < 1 || value > 600)) {
  console.error("--rounds, --duration, --warmup and --connections are whole numbers from 1 to 600.");
  process.exit(2);
}
console.log(await raceHttpFronts(options));
