/**
 * Persisted documents, for GraphQL Code Generator (see ../codegen.ts): every operation of the typed
 * client as the exact text the router may run, under the sha256 of that text.
 *
 * The text is the canonical print of `@graphql-tools/documents` (`printExecutableGraphQLDocument`:
 * the operation with the fragments it spreads; definitions, variables, selections and directive
 * arguments sorted, a mutation's root fields and each field's arguments kept in order, whitespace
 * collapsed), the same print GraphQL Code Generator's client preset hashes for its
 * `persistedDocuments`. Two hooks use it, so they cannot disagree:
 * - `documentMeta`, typed-document-node's `unstable_onExecutableDocumentNode`: each generated
 *   document carries its hash as `__meta__.hash`, which the client sends;
 * - `persistedDocumentsPlugin`: the manifest, `{ "<sha256 hex>": "<canonical text>" }`, which the
 *   router loads (router.yaml, trustedDocuments) and the schema checks read.
 */
import { createHash } from "node:crypto";
import { printExecutableGraphQLDocument } from "@graphql-tools/documents";
import { type DefinitionNode, type DocumentNode, Kind, type OperationDefinitionNode, visit } from "graphql";

/** The canonical text of an executable document (one operation and the fragments it uses). */
export const canonicalText = (document: DocumentNode): string => printExecutableGraphQLDocument(document);

/** Lower-case hex sha256 of a text: what Apollo's `persistedQuery.sha256Hash` carries. */
export const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/** The metadata every generated operation document carries (`__meta__`): its manifest hash. */
export const documentMeta = (document: DocumentNode): { hash: string } => ({ hash: sha256(canonicalText(document)) });

/** Each named operation of `documents`, alone with the fragments it spreads (transitively), as codegen resolves them. */
export function executableDocuments(documents: readonly DocumentNode[]): { name: string; document: DocumentNode }[] {
  const definitions = documents.flatMap((document) => document.definitions);
  const fragments = new Map(
    definitions.flatMap((definition) =>
      definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition] as const] : [],
    ),
  );
  return definitions
    .filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION)
    .map((operation) => {
      const used = new Map<string, DefinitionNode>();
      const pending: DefinitionNode[] = [operation];
      for (let node = pending.pop(); node; node = pending.pop()) {
        visit(node, {
          FragmentSpread({ name }) {
            const fragment = fragments.get(name.value);
            if (fragment && !used.has(name.value)) {
              used.set(name.value, fragment);
              pending.push(fragment);
            }
          },
        });
      }
      return {
        name: operation.name?.value ?? "",
        document: { kind: Kind.DOCUMENT, definitions: [operation, ...used.values()] },
      };
    });
}

/** The manifest of `documents`: canonical hash -> canonical text, ordered by operation name. */
export function persistedDocuments(documents: readonly DocumentNode[]): Record<string, string> {
  const entries = executableDocuments(documents)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map(({ document }) => canonicalText(document));
  return Object.fromEntries(entries.map((text) => [sha256(text), text]));
}

/** A GraphQL Code Generator plugin writing the manifest as JSON (see `pluginLoader` in ../codegen.ts). */
export const persistedDocumentsPlugin = {
  plugin: (_schema: unknown, files: readonly { document?: DocumentNode | undefined }[]): string =>
    `${JSON.stringify(persistedDocuments(files.flatMap(({ document }) => (document ? [document] : []))), null, 2)}\n`,
};
