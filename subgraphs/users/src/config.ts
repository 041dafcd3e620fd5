import { fileURLToPath } from "node:url";
import { env, loadConfig } from "@supergraph/service-kit";

/** Every environment variable the users service reads, parsed once. See README.md. */
export function readConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(
    {
      PORT: env.port(4001),
      HOST: env.string("127.0.0.1"),
      DATABASE_FILE: env.string(fileURLToPath(new URL("../data/users.db", import.meta.url))),
      LOG_LEVEL: env.logLevel(),
      LOG_FORMAT: env.logFormat(),
    },
    source,
  );
}

export type Config = ReturnType<typeof readConfig>;
