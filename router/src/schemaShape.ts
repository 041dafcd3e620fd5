import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLAbstractType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLOutputType,
  Kind,
  type SelectionSetNode,
} from "graphql";

/*
 * Types are read by shape, not with graphql's isObjectType & co, which throw on a type built by
 * another copy of graphql: indifferent to which copy built the schema Apollo Server hands over
 * (the services and, through vitest.config.ts's alias, the tests load one). Shared by the cost
 * limit (limits/cost.ts), the response cache (responseCache/selectedTypes.ts) and the router's own
 * introspection answers (plugins/introspection.ts), which all walk an operation.
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

/**
 * Whether a root selection set holds only meta fields (`__typename`, `__schema`, `__type`),
 * fragments followed: the router answers it by itself, no subgraph is asked.
 */
export function rootIsMetaOnly(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
): boolean {
  const seen = new Set<string>();
  const metaOnly = (set: SelectionSetNode): boolean =>
    set.selections.every((selection) => {
      if (selection.kind === Kind.FIELD) return selection.name.value.startsWith("__");
      if (selection.kind === Kind.INLINE_FRAGMENT) return metaOnly(selection.selectionSet);
      if (seen.has(selection.name.value)) return true;
      seen.add(selection.name.value);
      const fragment = fragments.get(selection.name.value);
      return fragment ? metaOnly(fragment.selectionSet) : true;
    });
  return metaOnly(selectionSet);
}
