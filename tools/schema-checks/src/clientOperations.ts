/**
 * The client operations the checks protect: the typed client's documents (the `documents` of every
 * workspace codegen config) and its persisted-documents manifest (a codegen output named
 * `persisted-documents.json`, canonical hash -> text: what the router trusts), counted once when
 * both hold an operation; plus other clients' persisted-query manifests in `client-operations/*.json`
 * (Apollo's persisted query manifest format; the file name is the client's name).
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import { printExecutableGraphQLDocument } from "@graphql-tools/documents";
import type { DefinitionNode, DocumentNode, OperationDefinitionNode } from "graphql";
import { glob } from "tinyglobby";
import { z } from "zod";
import { graphql } from "./graphqlRuntime.js";
import { type CodegenWorkspace, codegenWorkspaces } from "./workspaces.js";

export const MANIFESTS_DIR = "client-operations";
/** The name of a codegen output that is a persisted-documents manifest (GraphQL Code Generator's client preset writes it too). */
export const PERSISTED_DOCUMENTS = "persisted-documents.json";

/**
 * The sha256 of an executable document's canonical print (`printExecutableGraphQLDocument`: sorted,
 * whitespace collapsed), as the typed client's manifest keys its operations: the same operation
 * written two ways has one hash.
 */
export const canonicalHash = (document: DocumentNode): string =>
  createHash("sha256").update(printExecutableGraphQLDocument(document)).digest("hex");

export interface ClientOperation {
  name: string;
  kind: "query" | "mutation" | "subscription";
  /** The typed client's package name, or the manifest's file name. */
  client: string;
  /**
   * Where it is written, relative to the root: `client/operations/users.graphql:3`,
   * `client/persisted-documents.json#<hash>` or `client-operations/ios.json#operations[0]`.
   */
  location: string;
  /** The operation alone, with the fragments it uses. */
  document: DocumentNode;
}

export interface LoadedOperations {
  operations: ClientOperation[];
  /** Files that could not be used (syntax errors, invalid manifests, anonymous operations). */
  problems: string[];
}

export const operationLabel = (operation: ClientOperation) =>
  `${operation.name} (${operation.client}, ${operation.location})`;

/** Each operation of `document`, as its own document with the fragments it spreads (found in `fragmentsFrom`). */
function splitOperations(document: DocumentNode, fragmentsFrom: readonly DefinitionNode[]) {
  const fragments = new Map(
    fragmentsFrom.flatMap((definition) =>
      definition.kind === graphql.Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition] as const] : [],
    ),
  );
  return document.definitions
    .filter(
      (definition): definition is OperationDefinitionNode => definition.kind === graphql.Kind.OPERATION_DEFINITION,
    )
    .map((operation) => {
      const used = new Map<string, DefinitionNode>();
      const pending: DefinitionNode[] = [operation];
      for (let node = pending.pop(); node; node = pending.pop()) {
        graphql.visit(node, {
          FragmentSpread(spread) {
            const fragment = fragments.get(spread.name.value);
            if (fragment && !used.has(spread.name.value)) {
              used.set(spread.name.value, fragment);
              pending.push(fragment);
            }
          },
        });
      }
      const alone: DocumentNode = { kind: graphql.Kind.DOCUMENT, definitions: [operation, ...used.values()] };
      return { operation, document: alone };
    });
}

const persistedDocumentsSchema = z.record(z.string().min(1), z.string().min(1, "expected the document's text"), {
  error: "expected a JSON object: hash -> document text",
});

/**
 * The operations of a typed client's persisted-documents manifest that its documents do not already
 * hold (same canonical hash): an entry for an operation since removed or changed still counts, since
 * a router trusting the manifest still runs it.
 */
async function persistedDocumentOperations(
  root: string,
  client: string,
  file: string,
  known: ReadonlySet<string>,
  loaded: LoadedOperations,
): Promise<void> {
  const shown = relative(root, file);
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    // Not generated yet (the drift check says so) or unreadable.
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      loaded.problems.push(`${shown}: not valid JSON: ${(error as Error).message}`);
    }
    return;
  }
  const parsed = persistedDocumentsSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) loaded.problems.push(`${shown}: ${issue.message}`);
    return;
  }
  for (const [hash, text] of Object.entries(parsed.data)) {
    const where = `${shown}#${hash}`;
    let document: DocumentNode;
    try {
      document = graphql.parse(new graphql.Source(text, where));
    } catch (error) {
      loaded.problems.push(`${where}: ${(error as Error).message}`);
      continue;
    }
    for (const { operation, document: alone } of splitOperations(document, document.definitions)) {
      if (known.has(canonicalHash(alone))) continue;
      if (!operation.name) {
        loaded.problems.push(`${where}: anonymous operation; name it (codegen needs a name)`);
        continue;
      }
      loaded.operations.push({
        name: operation.name.value,
        kind: operation.operation,
        client,
        location: where,
        document: alone,
      });
    }
  }
}

/** The workspace's codegen outputs that are persisted-documents manifests, absolute. */
function persistedDocumentsOutputs(workspace: CodegenWorkspace): string[] {
  return Object.keys(workspace.codegen.generates ?? {})
    .filter((output) => basename(output) === PERSISTED_DOCUMENTS)
    .map((output) => join(workspace.dir, output));
}

async function typedClientOperations(root: string, loaded: LoadedOperations): Promise<void> {
  for (const workspace of await codegenWorkspaces(root)) {
    const { documents } = workspace.codegen;
    const patterns = (Array.isArray(documents) ? documents : [documents]).filter((p) => typeof p === "string");
    const manifests = persistedDocumentsOutputs(workspace);
    if (patterns.length === 0 && manifests.length === 0) continue;
    const files = (await glob(patterns, { cwd: workspace.dir, absolute: true })).sort();
    const parsed: { file: string; document: DocumentNode }[] = [];
    for (const file of files) {
      const shown = relative(root, file);
      try {
        parsed.push({ file: shown, document: graphql.parse(new graphql.Source(await readFile(file, "utf8"), shown)) });
      } catch (error) {
        loaded.problems.push(`${shown}: ${(error as Error).message}`);
      }
    }
    // Codegen resolves fragments across all documents of a workspace: so do we.
    const allDefinitions = parsed.flatMap(({ document }) => document.definitions);
    const known = new Set<string>();
    for (const { file, document } of parsed) {
      for (const { operation, document: alone } of splitOperations(document, allDefinitions)) {
        const line = operation.loc?.startToken.line ?? 1;
        if (!operation.name) {
          loaded.problems.push(`${file}:${line}: anonymous operation; name it (codegen needs a name)`);
          continue;
        }
        known.add(canonicalHash(alone));
        loaded.operations.push({
          name: operation.name.value,
          kind: operation.operation,
          client: workspace.name,
          location: `${file}:${line}`,
          document: alone,
        });
      }
    }
    for (const manifest of manifests) {
      await persistedDocumentOperations(root, workspace.name, manifest, known, loaded);
    }
  }
}

/** Apollo's persisted query manifest (`@apollo/generate-persisted-query-manifest`), as other clients publish it. */
const manifestSchema = z.object({
  format: z.literal("apollo-persisted-query-manifest", { error: 'expected format: "apollo-persisted-query-manifest"' }),
  version: z.literal(1, { error: "expected version: 1" }),
  operations: z.array(
    z.object({
      id: z.string().min(1, "expected the operation's id"),
      name: z.string().min(1, "expected the operation's name"),
      type: z.enum(["query", "mutation", "subscription"]),
      body: z.string().min(1, "expected the operation's text"),
    }),
    { error: "expected operations: a list of { id, name, type, body }" },
  ),
});

async function manifestOperations(root: string, loaded: LoadedOperations): Promise<void> {
  const dir = join(root, MANIFESTS_DIR);
  const files = (await readdir(dir).catch(() => [] as string[])).filter((file) => file.endsWith(".json")).sort();
  for (const file of files) {
    const shown = `${MANIFESTS_DIR}/${file}`;
    const client = basename(file, ".json");
    let data: unknown;
    try {
      data = JSON.parse(await readFile(join(dir, file), "utf8"));
    } catch (error) {
      loaded.problems.push(`${shown}: not valid JSON: ${(error as Error).message}`);
      continue;
    }
    const parsed = manifestSchema.safeParse(data);
    if (!parsed.success) {
      const entries = (data as { operations?: unknown } | null)?.operations;
      for (const issue of parsed.error.issues) {
        const [key, index, ...rest] = issue.path;
        const entry =
          key === "operations" && typeof index === "number" && Array.isArray(entries) ? entries[index] : null;
        const name = (entry as { name?: unknown } | null)?.name;
        const where =
          key === "operations" && typeof index === "number"
            ? `operations[${index}]${typeof name === "string" ? ` (${name})` : ""}${rest.length ? `.${rest.join(".")}` : ""}`
            : issue.path.join(".") || "(root)";
        loaded.problems.push(`${shown}: ${where}: ${issue.message}`);
      }
      continue;
    }
    parsed.data.operations.forEach((entry, index) => {
      const where = `${shown}#operations[${index}]`;
      let document: DocumentNode;
      try {
        document = graphql.parse(new graphql.Source(entry.body, where));
      } catch (error) {
        loaded.problems.push(`${where} (${entry.name}): ${(error as Error).message}`);
        return;
      }
      const found = splitOperations(document, document.definitions).find(
        ({ operation }) => operation.name?.value === entry.name && operation.operation === entry.type,
      );
      if (!found) {
        loaded.problems.push(`${where}: its body has no ${entry.type} named ${entry.name}`);
        return;
      }
      loaded.operations.push({ name: entry.name, kind: entry.type, client, location: where, document: found.document });
    });
  }
}

/** Every client operation under `root`; problems are returned, not thrown. */
export async function loadClientOperations(root: string): Promise<LoadedOperations> {
  const loaded: LoadedOperations = { operations: [], problems: [] };
  await typedClientOperations(root, loaded);
  await manifestOperations(root, loaded);
  return loaded;
}
