import { fileURLToPath } from "node:url";
import { readSubgraphConfig } from "@supergraph/service-kit";

/** Every environment variable the users service reads, parsed once. See README.md. */
export const readConfig = (source: NodeJS.ProcessEnv = process.env) =>
  readSubgraphConfig({ port: 4001, databaseFile: fileURLToPath(new URL("../data/users.db", import.meta.url)) }, source);
