import { createLogger, migrateToLatest, openSqlite, runService } from "@supergraph/service-kit";
import { readConfig } from "./config.js";
import { createServer } from "./server.js";
import { migrations } from "./store/migrations.js";
import type { UsersDatabase } from "./store/schema.js";

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger({ service: "users", level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const db = openSqlite<UsersDatabase>({ filename: config.DATABASE_FILE });
  await migrateToLatest(db, migrations, logger);
  const service = await createServer({ db, logger });
  await runService(service, { port: config.PORT, host: config.HOST, logger });
}

main().catch((error: unknown) => {
  console.error("users failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
