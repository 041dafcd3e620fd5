import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type DocumentNode, parse } from "graphql";

/** Reads and parses a subgraph's contract (its schema.graphql); a syntax error names the file, line and column. */
export function loadSchemaFile(url: URL): DocumentNode {
  const path = fileURLToPath(url);
  try {
    return parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`Cannot load the subgraph schema ${path}: ${(error as Error).message}`, { cause: error });
  }
}
