import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLAbstractType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLOutputType,
  Kind,
} from "graphql";

/*
 * Types are read by shape, not with graphql's isObjectType & co: those throw on a type built by
 * another copy of graphql, which the schema Apollo Server hands over is under vitest (CommonJS
 * there, ESM here). Shared by the cost limit (limits/cost.ts) and the response cache
 * (responseCache/selectedTypes.ts), which both walk an operation over the schema.
 */

/** The fields of an object or interface type; undefined for unions, scalars, enums (and no type). */
export const fieldsOf = (
  type: GraphQLNamedType | undefined,
): Record<string, GraphQLField<unknown, unknown>> | undefined =>
  type && "getFields" in type && !("getTypes" in type)
    ? (type.getFields() as Record<string, GraphQLField<unknown, unknown>>)
    : undefined;

/** `[Product!]!` -> `Product`. */
export const namedType = (type: GraphQLOutputType): GraphQLNamedType =>
  "ofType" in type ? namedType(type.ofType as GraphQLOutputType) : type;

/** Scalars and enums: types without fields or members to select. */
export const isLeaf = (type: GraphQLNamedType) => !("getFields" in type) && !("getTypes" in type);

/** Interface and union types: resolved to one of their possible types at run time. */
export const isAbstract = (type: GraphQLNamedType): type is GraphQLAbstractType => "resolveType" in type;

/** A document's fragment definitions, by name. */
export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}
