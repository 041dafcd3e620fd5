import { startSubgraph } from "@supergraph/service-kit";
import { readConfig } from "./config.js";
import { createServer } from "./server.js";
import { migrations } from "./store/migrations.js";

startSubgraph({ name: "users", config: readConfig(), migrations, createServer }).catch((error: unknown) => {
  console.error("users failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
