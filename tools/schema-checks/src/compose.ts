/** Composition with @apollo/composition: in memory, or from supergraph.yaml; the files it writes; how problems print. */
import { readFile } from "node:fs/promises";
import { dirname, relative } from "node:path";
import { composeServices } from "@apollo/composition";
import { printSchema } from "@apollo/federation-internals";
import { type DocumentNode, GraphQLError, Kind, parse, Source, type TypeNode } from "graphql";
import { loadSupergraphConfig, type SupergraphConfig, SupergraphConfigError } from "./supergraphConfig.js";

/** One composition error or hint, in a form that prints well and that tests can assert on. */
export interface CompositionProblem {
  /** Stable code, e.g. `FIELD_TYPE_MISMATCH` (errors) or `INCONSISTENT_DESCRIPTION` (hints). */
  code: string;
  message: string;
  /** Subgraphs involved, when composition says which (from the error's AST nodes, else from its message). */
  subgraphs: string[];
  /** Types involved, e.g. `User` (from the error's AST nodes and the fields it names). */
  types: string[];
  /** Fields (and arguments) involved, as schema coordinates such as `User.name` (from the error's message). */
  fields: string[];
}

export type CompositionOutcome =
  | {
      ok: true;
      /** For the router: the full supergraph with its join/federation machinery. */
      supergraphSdl: string;
      /** For clients: what the router serves, without federation machinery or @inaccessible elements. */
      apiSchemaSdl: string;
      hints: CompositionProblem[];
    }
  | { ok: false; errors: CompositionProblem[]; hints: CompositionProblem[] };

export interface SubgraphSource {
  name: string;
  url: string;
  /** SDL text or an already parsed document. */
  typeDefs: string | DocumentNode;
  /** Shown in syntax errors, e.g. the schema file's path. Default: the subgraph name. */
  sourceName?: string;
}

/** Subgraph names recorded on composition errors' AST nodes (federation's `SubgraphASTNode`). */
function subgraphsOf(nodes: readonly unknown[] | undefined): string[] {
  const names = new Set<string>();
  for (const node of nodes ?? []) {
    const subgraph = (node as { subgraph?: unknown } | null)?.subgraph;
    if (typeof subgraph === "string") names.add(subgraph);
  }
  return [...names];
}

/** Double-quoted words of a composition message: names of fields, types and subgraphs, as federation quotes them. */
function quotedIn(message: string): string[] {
  return [...message.matchAll(/"([^"\s]+)"/g)].map((match) => match[1] ?? "");
}

const FIELD_COORDINATE = /^[_A-Za-z]\w*\.[_A-Za-z]\w*(\([_A-Za-z]\w*:\))?$/;
const TYPE_NODE_KIND = /Type(Definition|Extension)$/;

/**
 * The types and fields a composition error or hint is about: field coordinates quoted in its message
 * (federation writes `"User.name"`), their parent types, and the types whose definitions are among its nodes.
 */
function schemaElementsOf(
  message: string,
  nodes: readonly unknown[] | undefined,
): { types: string[]; fields: string[] } {
  const fields = new Set(quotedIn(message).filter((word) => FIELD_COORDINATE.test(word)));
  const types = new Set([...fields].map((field) => field.slice(0, field.indexOf("."))));
  for (const node of nodes ?? []) {
    const { kind, name } = (node ?? {}) as { kind?: unknown; name?: { value?: unknown } };
    if (typeof kind === "string" && TYPE_NODE_KIND.test(kind) && typeof name?.value === "string") types.add(name.value);
  }
  return { types: [...types], fields: [...fields] };
}

/** Subgraphs named by the AST nodes or, failing that, quoted in the message (some errors carry no subgraph nodes). */
function involvedSubgraphs(message: string, nodes: readonly unknown[] | undefined, known: readonly string[]): string[] {
  const fromNodes = subgraphsOf(nodes);
  if (fromNodes.length > 0) return fromNodes;
  return [...new Set(quotedIn(message).filter((word) => known.includes(word)))];
}

function problemFromError(error: GraphQLError, known: readonly string[]): CompositionProblem {
  const code = error.extensions?.code;
  return {
    code: typeof code === "string" ? code : "COMPOSITION_ERROR",
    message: error.message,
    subgraphs: involvedSubgraphs(error.message, error.nodes, known),
    ...schemaElementsOf(error.message, error.nodes),
  };
}

const namedTypeOf = (type: TypeNode): string =>
  type.kind === Kind.NAMED_TYPE ? type.name.value : namedTypeOf(type.type);

/**
 * Enums that a subgraph's own directive definitions take as an argument, such as Apollo's
 * `CacheControlScope` of `@cacheControl(scope:)`. Composition does not carry such a directive to
 * the supergraph, so it calls the enum unused (UNUSED_ENUM_TYPE) though the subgraph uses it: that
 * hint says nothing worth a warning, and is left out.
 */
function directiveArgumentEnums(documents: readonly DocumentNode[]): Set<string> {
  const names = new Set<string>();
  for (const document of documents) {
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.DIRECTIVE_DEFINITION) continue;
      for (const argument of definition.arguments ?? []) names.add(namedTypeOf(argument.type));
    }
  }
  return names;
}

/** Keeps a hint unless it calls unused an enum that a subgraph's directive takes (see directiveArgumentEnums). */
const usedByDirective = (documents: readonly DocumentNode[]) => {
  const enums = directiveArgumentEnums(documents);
  return (hint: { definition: { code: string }; message: string }) =>
    !(hint.definition.code === "UNUSED_ENUM_TYPE" && enums.has(quotedIn(hint.message)[0] ?? ""));
};

/** Composes subgraphs in memory with @apollo/composition. Never throws for bad SDL: returns the errors. */
export function composeSubgraphs(sources: readonly SubgraphSource[]): CompositionOutcome {
  const syntaxErrors: CompositionProblem[] = [];
  const services = sources.map(({ name, url, typeDefs, sourceName }) => {
    if (typeof typeDefs !== "string") return { name, url, typeDefs };
    try {
      return { name, url, typeDefs: parse(new Source(typeDefs, sourceName ?? name)) };
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      const where = error.locations?.[0];
      const at = where ? `${sourceName ?? name}:${where.line}:${where.column}` : (sourceName ?? name);
      syntaxErrors.push({
        code: "INVALID_GRAPHQL",
        message: `${at}: ${error.message}`,
        subgraphs: [name],
        types: [],
        fields: [],
      });
      return undefined;
    }
  });
  if (syntaxErrors.length > 0) return { ok: false, errors: syntaxErrors, hints: [] };

  const known = sources.map((source) => source.name);
  const parsed = services.filter((service) => service !== undefined);
  const result = composeServices(parsed);
  if (result.errors) {
    return { ok: false, errors: result.errors.map((error) => problemFromError(error, known)), hints: [] };
  }
  return {
    ok: true,
    supergraphSdl: result.supergraphSdl,
    // Federation's own printer: same output as graphql-js's printSchema, without crossing module instances.
    apiSchemaSdl: printSchema(result.schema.toAPISchema()),
    hints: result.hints.filter(usedByDirective(parsed.map((service) => service.typeDefs))).map((hint) => ({
      code: hint.definition.code,
      message: hint.message,
      subgraphs: involvedSubgraphs(hint.message, hint.nodes, known),
      ...schemaElementsOf(hint.message, hint.nodes),
    })),
  };
}

/**
 * Reads a rover-style `supergraph.yaml` (or takes one already loaded) and every schema file it names,
 * then composes them.
 * Throws SupergraphConfigError when the config or a schema file cannot be read; composition
 * errors are returned, with their codes.
 */
export async function composeFromConfig(configOrPath: string | SupergraphConfig): Promise<CompositionOutcome> {
  const config = typeof configOrPath === "string" ? await loadSupergraphConfig(configOrPath) : configOrPath;
  const configDir = dirname(config.path);
  const sources = await Promise.all(
    config.subgraphs.map(async ({ name, routingUrl, schemaFile }) => {
      let typeDefs: string;
      try {
        typeDefs = await readFile(schemaFile, "utf8");
      } catch (error) {
        throw new SupergraphConfigError(
          `${config.path}: cannot read subgraphs.${name}.schema.file (${schemaFile}): ${(error as Error).message}`,
        );
      }
      return { name, url: routingUrl, typeDefs, sourceName: relative(configDir, schemaFile) };
    }),
  );
  return composeSubgraphs(sources);
}

/** The exact content written to `supergraph.graphql`, so writers and drift checks agree byte for byte. */
export function supergraphFileContent(supergraphSdl: string): string {
  return supergraphSdl.endsWith("\n") ? supergraphSdl : `${supergraphSdl}\n`;
}

/** The exact content written to `api-schema.graphql`: a header saying where it comes from, then the SDL. */
export function apiSchemaFileContent(apiSchemaSdl: string): string {
  return `# The API schema clients see at the router: generated by \`npm run compose\` from the subgraphs. Do not edit.\n\n${supergraphFileContent(apiSchemaSdl)}`;
}

/** One line per problem: `[CODE] message (subgraphs: a, b)`. */
export function formatProblem({ code, message, subgraphs }: CompositionProblem): string {
  return `[${code}] ${message}${subgraphs.length > 0 ? ` (subgraphs: ${subgraphs.join(", ")})` : ""}`;
}
