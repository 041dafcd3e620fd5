import { readFileSync } from "node:fs";
import { ConfigError } from "@supergraph/service-kit";
import { type ConstValueNode, Kind, parse } from "graphql";

/** A subgraph as recorded in the supergraph: its name and the routing URL composition gave it. */
export interface SupergraphSubgraph {
  name: string;
  url: string;
}

/** The supergraph file is missing or is not a composed supergraph. */
export class SupergraphFileError extends Error {
  override readonly name = "SupergraphFileError";
}

const stringValue = (node: ConstValueNode | undefined) => (node?.kind === Kind.STRING ? node.value : undefined);

/**
 * Lists the subgraphs of a supergraph SDL from its `join__Graph` enum
 * (`USERS @join__graph(name: "users", url: "http://...")`). Throws if the SDL is not a supergraph.
 */
export function listSubgraphs(supergraphSdl: string): SupergraphSubgraph[] {
  const document = parse(supergraphSdl, { noLocation: true });
  const graphEnum = document.definitions.find(
    (definition) => definition.kind === Kind.ENUM_TYPE_DEFINITION && definition.name.value === "join__Graph",
  );
  if (graphEnum?.kind !== Kind.ENUM_TYPE_DEFINITION || !graphEnum.values?.length) {
    throw new Error("it has no join__Graph enum, so it is not a composed supergraph");
  }
  return graphEnum.values.map((value) => {
    const directive = value.directives?.find((d) => d.name.value === "join__graph");
    const argument = (name: string) => stringValue(directive?.arguments?.find((a) => a.name.value === name)?.value);
    const name = argument("name");
    const url = argument("url");
    if (name === undefined || url === undefined) {
      throw new Error(`join__Graph.${value.name.value} has no @join__graph(name:, url:)`);
    }
    return { name, url };
  });
}

/** Reads and checks the supergraph file; errors name the file and say how to produce it. */
export function readSupergraphFile(path: string): { supergraphSdl: string; subgraphs: SupergraphSubgraph[] } {
  let supergraphSdl: string;
  try {
    supergraphSdl = readFileSync(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "it does not exist" : (error as Error).message;
    throw new SupergraphFileError(
      `Cannot read the supergraph ${path}: ${reason}. Run \`npm run compose\` to create it, or set SUPERGRAPH_PATH.`,
    );
  }
  try {
    return { supergraphSdl, subgraphs: listSubgraphs(supergraphSdl) };
  } catch (error) {
    throw new SupergraphFileError(
      `The supergraph ${path} is invalid: ${(error as Error).message}. Run \`npm run compose\` to regenerate it.`,
    );
  }
}

/**
 * A subgraph's name as an environment variable spells it: `my-subgraph` -> `MY_SUBGRAPH`. Names (and
 * keys) that spell the same name the same subgraph: `products`, `PRODUCTS` and `Products` all do.
 */
export function subgraphEnvName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]+/g, "_");
}

/** The variable that overrides a subgraph's URL: `users` -> `SUBGRAPH_USERS_URL`. */
export function subgraphUrlVariable(name: string): string {
  return `SUBGRAPH_${subgraphEnvName(name)}_URL`;
}

/** The entry of `byName` for subgraph `name`, whichever way its key spells the name (`all` names no subgraph). */
export function forSubgraph<T>(byName: Readonly<Record<string, T>>, name: string): T | undefined {
  const wanted = subgraphEnvName(name);
  const key = Object.keys(byName).find((candidate) => candidate !== "all" && subgraphEnvName(candidate) === wanted);
  return key === undefined ? undefined : byName[key];
}

/** The keys of `byName` that name no subgraph of `subgraphs` (`all` aside). */
export function unknownSubgraphKeys(
  subgraphs: readonly SupergraphSubgraph[],
  byName: Readonly<Record<string, unknown>>,
): string[] {
  const names = new Set(subgraphs.map((subgraph) => subgraphEnvName(subgraph.name)));
  return Object.keys(byName).filter((key) => key !== "all" && !names.has(subgraphEnvName(key)));
}

/**
 * Checks the router's per-subgraph settings against the supergraph: a `SUBGRAPH_<NAME>_URL` override
 * or a router.yaml `subgraphs.<name>` section naming no subgraph would silently not apply, so each one
 * is a problem of a ConfigError, naming the variable or the key and listing the subgraphs there are.
 */
export function checkSubgraphKeys(
  subgraphs: readonly SupergraphSubgraph[],
  {
    urls = {},
    sections = {},
  }: { urls?: Readonly<Record<string, unknown>>; sections?: Readonly<Record<string, unknown>> },
): void {
  const names = subgraphs.map((subgraph) => subgraph.name);
  const problems = [
    ...unknownSubgraphKeys(subgraphs, urls).map(
      (key) =>
        `${subgraphUrlVariable(key)}: the supergraph has no subgraph "${key.toLowerCase()}"; its subgraphs are ` +
        names.map((name) => `${name} (${subgraphUrlVariable(name)})`).join(", "),
    ),
    ...unknownSubgraphKeys(subgraphs, sections).map(
      (key) =>
        `subgraphs.${key}: the supergraph has no subgraph "${key}"; its subgraphs are ${names.join(", ")} (or use "all")`,
    ),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
}
