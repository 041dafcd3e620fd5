/**
 * Checks a running system end to end: creates a product through the router, reads it back through
 * the router (and from each products replica given), deletes it. Exits 0 when all of it worked,
 * 1 (saying what failed) when not, 2 on bad arguments. See internal/testing/src/smokeCheck.ts.
 *
 *   docker compose up --build --scale products=3 --scale router=2
 *   npm run smoke
 *   npm run smoke -- --url http://localhost:4000 --replicas http://127.0.0.1:4002,http://127.0.0.1:4012
 */
import { smokeMain } from "@supergraph/testing/smokeCheck";

process.exitCode = await smokeMain(process.argv.slice(2), process.env, console);
