import { fileURLToPath } from "node:url";
import { readSubgraphConfig } from "@supergraph/service-kit";

/** Every environment variable the products service reads, parsed once. See README.md. */
export const readConfig = (source: NodeJS.ProcessEnv = process.env) =>
  readSubgraphConfig(
    { port: 4002, databaseFile: fileURLToPath(new URL("../data/products.db", import.meta.url)) },
    source,
  );
