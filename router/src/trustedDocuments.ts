/**
 * Trusted documents (persisted documents): the operations of the manifests router.yaml lists under
 * `trustedDocuments.manifests` (default: the typed client's `client/persisted-documents.json`).
 *
 * - Always: a manifest operation is known by its hash. A request carrying only
 *   `extensions.persistedQuery.sha256Hash` of a manifest entry runs that entry's text, as if the
 *   client had sent it. Any other request is left to Apollo Server as before: ordinary queries, and
 *   automatic persisted queries (APQ: an unknown hash answers PERSISTED_QUERY_NOT_FOUND, the client
 *   sends the text with its hash, later requests send the hash alone).
 * - `enforce: true` (trusted-documents mode, for production): only manifest operations run, sent by
 *   hash or as full text whose canonical form (see `canonicalHash`) is a manifest's. Anything else
 *   (an unknown hash, unlisted text, an APQ registration of new text) is refused with HTTP 400 and
 *   PERSISTED_QUERY_NOT_LISTED before it is parsed, validated or planned: no subgraph is called.
 *
 * Manifests are JSON, in either of two formats: GraphQL Code Generator's persisted documents
 * (`{ "<sha256 hex>": "<text>" }`, what `npm run codegen` writes for the typed client; each key
 * must be the sha256 of its text) or Apollo's persisted query manifest
 * (`{ "format": "apollo-persisted-query-manifest", "version": 1, "operations": [{ "id", "body", ... }] }`).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { ApolloServerPlugin, BaseContext, GraphQLRequest } from "@apollo/server";
import { printExecutableGraphQLDocument } from "@graphql-tools/documents";
import { ErrorCode } from "@supergraph/error-codes";
import { ConfigError, type Logger } from "@supergraph/service-kit";
import { Kind, Lexer, parse, Source, TokenKind } from "graphql";
import { z } from "zod";

/** router.yaml's `trustedDocuments` section. */
export const trustedDocumentsSchema = z.strictObject({
  /** Manifest files, relative to router.yaml's folder. Default: the typed client's, if it exists. */
  manifests: z.array(z.string().min(1)).optional(),
  /** Trusted-documents mode: only manifest operations run. Default: false. */
  enforce: z.boolean().optional(),
});

/** The typed client's manifest (`npm run codegen` writes it), relative to router.yaml's folder. */
export const DEFAULT_MANIFEST = "../client/persisted-documents.json";

export interface TrustedDocumentsSettings {
  /** Absolute paths. */
  manifests: readonly string[];
  enforce: boolean;
}

/** The section with its defaults, paths resolved against `dir` (router.yaml's folder). */
export function resolveTrustedDocumentsSettings(
  section: z.infer<typeof trustedDocumentsSchema> | undefined,
  dir: string,
): TrustedDocumentsSettings {
  const fallback = resolve(dir, DEFAULT_MANIFEST);
  const manifests = section?.manifests?.map((path) => resolve(dir, path)) ?? (existsSync(fallback) ? [fallback] : []);
  return Object.freeze({ manifests: Object.freeze(manifests), enforce: section?.enforce ?? false });
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * The hash of a document's canonical form: the sha256 of `printExecutableGraphQLDocument`
 * (@graphql-tools/documents: definitions, variable definitions, selections and directive arguments
 * sorted, except a mutation's root fields, which run in order; whitespace, commas and comments
 * dropped), the print the client's codegen hashes its manifest with. Two texts of the same
 * operation, however formatted and whatever the order of their definitions and fields, have the
 * same canonical hash; a field's arguments keep their order (`products(first: 5, after: $a)` and
 * `products(after: $a, first: 5)` hash differently). Throws on a syntax error (or past `maxTokens`).
 */
export function canonicalHash(text: string, maxTokens?: number): string {
  const document = parse(text, { noLocation: true, ...(maxTokens === undefined ? {} : { maxTokens }) });
  return sha256(printExecutableGraphQLDocument(document));
}

/** GraphQL tokens in a text (comments and commas are not tokens): the same for every formatting of one document. */
function countTokens(text: string): number {
  const lexer = new Lexer(new Source(text));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count += 1;
  return count;
}

/** The names of a document's named operations. */
function namesOfOperations(text: string): string[] {
  return parse(text, { noLocation: true }).definitions.flatMap((definition) =>
    definition.kind === Kind.OPERATION_DEFINITION && definition.name ? [definition.name.value] : [],
  );
}

/** One manifest, loaded: where it came from, and its documents by id (the hash clients send). */
export interface Manifest {
  source: string;
  documents: ReadonlyMap<string, string>;
}

const codegenManifestSchema = z.record(z.string().min(1), z.string().min(1, "expected the document's text"));
const apolloManifestSchema = z.object({
  format: z.literal("apollo-persisted-query-manifest"),
  version: z.literal(1, { error: "expected version: 1" }),
  operations: z.array(
    z.object({ id: z.string().min(1, "expected an id"), body: z.string().min(1, "expected the operation's text") }),
    { error: "expected operations: a list of { id, body }" },
  ),
});

/** Reads a manifest file (either format); a missing, unreadable or invalid one is a ConfigError naming it. */
export function readManifest(path: string): Manifest {
  if (!existsSync(path)) {
    throw new ConfigError([`trustedDocuments.manifests: ${path} does not exist (npm run codegen writes the client's)`]);
  }
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError([`${path}: not a JSON manifest: ${(error as Error).message}`]);
  }
  return manifestFromJson(path, data);
}

const schemaProblems = (source: string, error: z.ZodError) =>
  new ConfigError(error.issues.map((issue) => `${source}: ${issue.path.join(".") || "(top level)"}: ${issue.message}`));

/** A manifest from its parsed JSON; `source` names it in errors. Each entry must be a GraphQL document. */
export function manifestFromJson(source: string, data: unknown): Manifest {
  const apollo = typeof data === "object" && data !== null && "format" in data;
  let entries: (readonly [string, string])[];
  if (apollo) {
    const parsed = apolloManifestSchema.safeParse(data);
    if (!parsed.success) throw schemaProblems(source, parsed.error);
    entries = parsed.data.operations.map(({ id, body }) => [id, body] as const);
  } else {
    const parsed = codegenManifestSchema.safeParse(data);
    if (!parsed.success) throw schemaProblems(source, parsed.error);
    entries = Object.entries(parsed.data);
  }
  const problems: string[] = [];
  const documents = new Map<string, string>();
  for (const [id, text] of entries) {
    try {
      parse(text, { noLocation: true });
    } catch (error) {
      problems.push(`${source}: ${id}: not a GraphQL document: ${(error as Error).message}`);
      continue;
    }
    // The client sends the key as the sha256 of this very text: a hand-edited entry would not match it.
    if (!apollo && sha256(text) !== id) {
      problems.push(`${source}: ${id}: the key is not the sha256 of its text (regenerate it: npm run codegen)`);
      continue;
    }
    documents.set(id, text);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { source, documents };
}

/** What to do with a request. */
export type Verdict =
  /** Leave it to Apollo Server as sent. */
  | { kind: "pass" }
  /** A manifest hash: run this text instead. */
  | { kind: "serve"; query: string }
  /** Enforce mode: not a manifest operation. */
  | { kind: "refuse"; message: string };

export interface TrustedDocumentsOptions {
  /** Trusted-documents mode: only manifest operations run. Default: false. */
  enforce?: boolean;
}

/** The documents of every manifest: by id, and by canonical hash for requests that send text. */
export class TrustedDocuments {
  readonly enforce: boolean;
  /** The manifests' names (file paths), for logs. */
  readonly sources: readonly string[];
  private readonly byId = new Map<string, string>();
  /** sha256 of each text exactly as listed: such a text needs no parsing. */
  private readonly exactHashes = new Set<string>();
  private readonly canonicalHashes = new Set<string>();
  /** No listed document has more tokens, so a text with more is parsed no further. */
  private readonly maxTokens: number;
  /** The names of the listed operations: known in advance, so metrics label them by name. */
  readonly operationNames: ReadonlySet<string>;

  constructor(manifests: readonly Manifest[], { enforce = false }: TrustedDocumentsOptions = {}) {
    if (enforce && manifests.every((manifest) => manifest.documents.size === 0)) {
      throw new ConfigError(["trustedDocuments.enforce: true needs at least one manifest with documents"]);
    }
    this.enforce = enforce;
    this.sources = manifests.map((manifest) => manifest.source);
    let maxTokens = 0;
    const operationNames = new Set<string>();
    for (const { documents } of manifests) {
      for (const [id, text] of documents) {
        for (const name of namesOfOperations(text)) operationNames.add(name);
        this.byId.set(id, text);
        this.exactHashes.add(sha256(text));
        this.canonicalHashes.add(canonicalHash(text));
        maxTokens = Math.max(maxTokens, countTokens(text));
      }
    }
    // graphql-js counts the end of the document as one more token.
    this.maxTokens = maxTokens + 1;
    this.operationNames = operationNames;
  }

  /** Reads the manifest files (see `readManifest`). */
  static load(settings: { manifests: readonly string[]; enforce: boolean }): TrustedDocuments {
    return new TrustedDocuments(settings.manifests.map(readManifest), { enforce: settings.enforce });
  }

  /** How many documents the manifests hold. */
  get size(): number {
    return this.byId.size;
  }

  /** The text of a manifest document, by the id (hash) clients send. */
  text(id: string): string | undefined {
    return this.byId.get(id);
  }

  /** Whether a text is a manifest document, however formatted: its canonical hash is listed. */
  lists(text: string): boolean {
    if (this.exactHashes.has(sha256(text))) return true;
    try {
      return this.canonicalHashes.has(canonicalHash(text, this.maxTokens));
    } catch {
      return false; // not GraphQL, or longer than any listed document
    }
  }

  /** What to do with a request, from its text and its `extensions.persistedQuery` hash (either may be missing). */
  verdict(query: string | undefined, hash: string | undefined): Verdict {
    if (query === undefined || query === "") {
      if (hash === undefined) return { kind: "pass" }; // not a GraphQL request: Apollo Server says why
      const text = this.text(hash);
      if (text !== undefined) return { kind: "serve", query: text };
      return this.enforce ? { kind: "refuse", message: `No trusted document has the hash ${hash}.` } : { kind: "pass" };
    }
    if (!this.enforce || this.lists(query)) return { kind: "pass" };
    return {
      kind: "refuse",
      message:
        hash === undefined
          ? "This operation is not a trusted document."
          : "This operation is not a trusted document, so it cannot be registered as a persisted query.",
    };
  }
}

/** The persisted-query hash of a request, if it has one of version 1. */
function persistedHash(request: GraphQLRequest): string | undefined {
  const persisted = request.extensions?.persistedQuery as { version?: unknown; sha256Hash?: unknown } | undefined;
  return persisted?.version === 1 && typeof persisted.sha256Hash === "string" ? persisted.sha256Hash : undefined;
}

function withoutPersistedQuery(request: GraphQLRequest): void {
  if (!request.extensions) return;
  const { persistedQuery: _persistedQuery, ...rest } = request.extensions;
  request.extensions = rest;
}

const NOT_LISTED_PREFIX = "Trusted-documents mode: this router runs only the operations of its manifests.";

/**
 * The Apollo Server plugin of `trusted`. It acts first thing in `requestDidStart` (list it before
 * plugins that read the request's text): a manifest hash gets its text (and loses its
 * `persistedQuery`, so Apollo Server runs it as an ordinary query, whatever APQ holds); in enforce
 * mode a refused request loses its text and hash, so Apollo Server parses, validates and plans
 * nothing, and its answer becomes PERSISTED_QUERY_NOT_LISTED with HTTP 400 (Apollo Server has no
 * hook that answers a request before parsing it).
 */
export function trustedDocumentsPlugin<TContext extends BaseContext>(
  trusted: TrustedDocuments,
  logger: Logger,
): ApolloServerPlugin<TContext> {
  return {
    // Not async before the verdict: plugins listed after this one see the request as it leaves here.
    requestDidStart({ request }) {
      const hash = persistedHash(request);
      const verdict = trusted.verdict(request.query, hash);
      if (verdict.kind === "pass") return Promise.resolve();
      withoutPersistedQuery(request);
      if (verdict.kind === "serve") {
        request.query = verdict.query;
        return Promise.resolve();
      }
      request.query = undefined;
      logger.info({ operationName: request.operationName, hash }, "operation refused: not a trusted document");
      const error = {
        message: `${NOT_LISTED_PREFIX} ${verdict.message}`,
        extensions: { code: ErrorCode.PERSISTED_QUERY_NOT_LISTED },
      };
      return Promise.resolve({
        async willSendResponse({ response }) {
          response.http.status = 400;
          response.body = { kind: "single", singleResult: { errors: [error] } };
        },
      });
    },
  };
}
