import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import type { Tracer } from "@opentelemetry/api";
import type { Tracing } from "@supergraph/service-kit";
import type { GraphQLField, GraphQLFieldResolver, GraphQLSchema } from "graphql";
import { endWhenSettled, SUBGRAPH_KIT_SCOPE } from "./traceStore.js";

/** Where a traced request's context holds the tracer its resolvers report to. */
const RESOLVER_TRACER = Symbol("resolverTracer");

/** Schemas whose own resolvers are already wrapped (a schema is shared by every server built from one definition). */
const wrappedSchemas = new WeakSet<GraphQLSchema>();

/**
 * Wraps each field that has a resolver of its own (root fields, `_entities`, whose
 * `__resolveReference` lookups run inside it, and every field the resolver map gives a function) so that, in a traced
 * request, it runs in a span of its own: what it calls (store methods, loaders) nests under it.
 * Fields read from their parent object (the default resolver) are left alone. In a request that is
 * not traced, the wrapper only looks the tracer up and calls the resolver.
 */
function wrapOwnResolvers(schema: GraphQLSchema): void {
  if (wrappedSchemas.has(schema)) return;
  wrappedSchemas.add(schema);
  for (const type of Object.values(schema.getTypeMap())) {
    // By shape, not `isObjectType`: @apollo/subgraph may have built the schema with graphql's other module format.
    const fieldsOf = (type as { getFields?: () => Record<string, GraphQLField<unknown, unknown>> }).getFields;
    if (typeof fieldsOf !== "function" || type.name.startsWith("__")) continue;
    for (const field of Object.values(fieldsOf.call(type))) {
      const resolve = field.resolve as GraphQLFieldResolver<unknown, unknown> | undefined;
      if (!resolve) continue;
      const name = `${type.name}.${field.name}`;
      const spanName = `graphql.resolve ${name}`;
      const fieldType = String(field.type);
      const wrapped: GraphQLFieldResolver<unknown, unknown> = (source, args, contextValue, info) => {
        const tracer = (contextValue as { [RESOLVER_TRACER]?: Tracer } | null | undefined)?.[RESOLVER_TRACER];
        if (!tracer) return resolve(source, args, contextValue, info);
        const attributes = {
          "graphql.field.name": field.name,
          "graphql.field.path": pathOf(info.path),
          "graphql.field.type": fieldType,
          "graphql.parent.name": type.name,
        };
        return tracer.startActiveSpan(spanName, { attributes }, (span) =>
          endWhenSettled(span, () => resolve(source, args, contextValue, info)),
        );
      };
      field.resolve = wrapped;
    }
  }
}

/** `users.nodes.0.products`: the field's place in the response. */
function pathOf(path: { prev: unknown; key: string | number } | undefined): string {
  const keys: (string | number)[] = [];
  for (let at = path; at; at = at.prev as typeof path) keys.push(at.key);
  return keys.reverse().join(".");
}

/**
 * Apollo Server plugin of a traced subgraph: a span for each call of a field resolver the subgraph
 * wrote (see wrapOwnResolvers), named `graphql.resolve <Type>.<field>`, under the request's span.
 */
export function resolverSpans(tracing: Tracing): ApolloServerPlugin<BaseContext> {
  const tracer = tracing.tracer(SUBGRAPH_KIT_SCOPE);
  return {
    async serverWillStart({ schema }) {
      wrapOwnResolvers(schema);
    },
    async requestDidStart({ contextValue }) {
      Object.defineProperty(contextValue, RESOLVER_TRACER, { value: tracer, configurable: true });
    },
  };
}
