import { readFileSync } from "node:fs";
import { ConfigError } from "@supergraph/service-kit";
import { type ConstValueNode, Kind, parse } from "graphql";
import { SUBGRAPH_URL_VARIABLE } from "./config.js";

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

/** The variable that overrides a subgraph's URL: `users` -> `SUBGRAPH_USERS_URL`. */
export function subgraphUrlVariable(subgraphName: string): string {
  return `SUBGRAPH_${subgraphName.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}_URL`;
}

/**
 * Maps `SUBGRAPH_<NAME>_URL` overrides (variable name -> URL) to subgraph names.
 * An override naming no subgraph of the supergraph is a ConfigError naming the variable.
 */
export function resolveSubgraphUrls(
  subgraphs: readonly SupergraphSubgraph[],
  overrides: Readonly<Record<string, readonly string[]>>,
): Record<string, readonly string[]> {
  const byVariable = new Map(subgraphs.map((subgraph) => [subgraphUrlVariable(subgraph.name), subgraph.name]));
  const urls: Record<string, readonly string[]> = {};
  const problems: string[] = [];
  for (const [variable, url] of Object.entries(overrides)) {
    const name = byVariable.get(variable);
    if (name !== undefined) {
      urls[name] = url;
      continue;
    }
    const wanted = SUBGRAPH_URL_VARIABLE.exec(variable)?.[1]?.toLowerCase() ?? variable;
    problems.push(
      `${variable}: the supergraph has no subgraph "${wanted}"; its subgraphs are ` +
        subgraphs.map((subgraph) => `${subgraph.name} (${subgraphUrlVariable(subgraph.name)})`).join(", "),
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return urls;
}

/** `my-subgraph` and `MY_SUBGRAPH` name the same subgraph (environment variables cannot hold `-`). */
const normalizeName = (name: string) => name.toUpperCase().replace(/[^A-Z0-9]+/g, "_");

/** router.yaml's section for subgraph `name` (its key may spell the name as an env variable would). */
export function subgraphSection<T>(sections: Readonly<Record<string, T>>, name: string): T | undefined {
  const wanted = normalizeName(name);
  const key = Object.keys(sections).find((candidate) => candidate !== "all" && normalizeName(candidate) === wanted);
  return key === undefined ? undefined : sections[key];
}

/**
 * Checks that each of router.yaml's `subgraphs.<name>` sections names a subgraph of the supergraph
 * (`all` is the section for every subgraph): a typo would silently not apply, so it is a
 * ConfigError naming the key.
 */
export function checkSubgraphSections(
  subgraphs: readonly SupergraphSubgraph[],
  sections: Readonly<Record<string, unknown>>,
): void {
  const names = new Set(subgraphs.map((subgraph) => normalizeName(subgraph.name)));
  const problems = Object.keys(sections)
    .filter((key) => key !== "all" && !names.has(normalizeName(key)))
    .map(
      (key) =>
        `subgraphs.${key}: the supergraph has no subgraph "${key}"; its subgraphs are ` +
        `${subgraphs.map((subgraph) => subgraph.name).join(", ")} (or use "all")`,
    );
  if (problems.length > 0) throw new ConfigError(problems);
}
