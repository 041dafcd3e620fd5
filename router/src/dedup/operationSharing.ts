import type { ApolloServerPlugin, GraphQLRequest } from "@apollo/server";
import type { InflightSharing } from "@supergraph/service-kit";
import { callerKey, identityOf } from "../security/admission.js";
import type { RouterContext } from "../server.js";

/** The header with which a client asks @apollo/gateway for the query plan in the response (outside production). */
const QUERY_PLAN_HEADER = "apollo-query-plan-experimental";

/** Documents remembered as queries; past this many the memory starts over (a new document is simply not shared until seen again). */
const MAX_KNOWN_DOCUMENTS = 5000;

interface RequestBody {
  query?: unknown;
  operationName?: unknown;
  extensions?: { persistedQuery?: { sha256Hash?: unknown } };
}

/** The operation a body names: its name and its document (the text, or `#` and the persisted query's hash). */
function documentKeys(body: RequestBody | GraphQLRequest): string[] {
  const name = typeof body.operationName === "string" ? body.operationName : "";
  const hash = body.extensions?.persistedQuery?.sha256Hash;
  return [
    ...(typeof body.query === "string" ? [`${name}\0${body.query}`] : []),
    ...(typeof hash === "string" ? [`${name}\0#${hash}`] : []),
  ];
}

/**
 * Identical in-flight client queries answered by one execution (router.yaml `deduplication.operations`).
 * Two requests are identical when their raw bodies are (document, variables, operation name and
 * extensions alike), they come from the same caller (the verified identity: user id and scopes;
 * all anonymous callers are one caller, as they see the same data) and they ask for the same
 * media type (Accept) and, outside production, the same query-plan extension. Only queries are
 * shared: the plugin remembers the documents Apollo Server resolved to a query operation, and a
 * document not yet seen runs on its own.
 */
export function operationSharing(onShared?: () => void): {
  sharing: InflightSharing;
  plugin: ApolloServerPlugin<RouterContext>;
} {
  const queries = new Set<string>();
  const remember = (request: GraphQLRequest) => {
    if (queries.size >= MAX_KNOWN_DOCUMENTS) queries.clear();
    for (const key of documentKeys(request)) queries.add(key);
  };
  return {
    sharing: {
      key(request, body, rawBody) {
        if (typeof body !== "object" || body === null || rawBody === "") return undefined;
        const [document] = documentKeys(body as RequestBody);
        if (document === undefined || !queries.has(document)) return undefined;
        // Outside production a client may ask for the query plan in the response (Sandbox does): another answer.
        const plan = request.headers[QUERY_PLAN_HEADER] ?? "";
        return `${callerKey(identityOf(request))}\0${request.headers.accept ?? ""}\0${plan}\0${rawBody}`;
      },
      ...(onShared ? { onShared } : {}),
    },
    plugin: {
      async requestDidStart() {
        return {
          async didResolveOperation({ operation, request }) {
            if (operation?.operation === "query") remember(request);
          },
        };
      },
    },
  };
}
