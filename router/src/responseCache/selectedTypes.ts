import {
  type DocumentNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  OperationTypeNode,
  type SelectionSetNode,
} from "graphql";
import { fieldsOf, fragmentsOf, isAbstract, isLeaf, namedType, rootIsMetaOnly } from "../schemaShape.js";

/** Object, interface and union types: what a selection set selects from. */
const isComposite = (type: GraphQLNamedType) => !isLeaf(type);

/** What an operation selects, as the response cache needs it. */
export interface OperationTypes {
  /**
   * Every composite type the operation selects (object, interface and union types, each abstract
   * one with its possible types), fragments followed. A query's root type is included, a mutation's
   * is not: a mutation "returns" what its fields return.
   */
  types: readonly string[];
  /** The root selects nothing but meta fields (`__typename`, `__schema`, `__type`): no subgraph answers it. */
  routerOnly: boolean;
}

/** Computed once per operation node and schema (Apollo Server keeps parsed documents, so the nodes repeat). */
const memo = new WeakMap<OperationDefinitionNode, { schema: GraphQLSchema; result: OperationTypes }>();

/** The types `operation` (of `document`) selects in `schema`; see OperationTypes. */
export function selectedTypes(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): OperationTypes {
  const known = memo.get(operation);
  if (known?.schema === schema) return known.result;
  const result = collect(schema, document, operation);
  memo.set(operation, { schema, result });
  return result;
}

function collect(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): OperationTypes {
  const fragments = fragmentsOf(document);
  const types = new Set<string>();
  const add = (type: GraphQLNamedType) => {
    types.add(type.name);
    if (isAbstract(type)) for (const possible of schema.getPossibleTypes(type)) types.add(possible.name);
  };
  const followed = new Set<string>();
  const walk = (parent: GraphQLNamedType, selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith("__")) continue;
        const field = fieldsOf(parent)?.[selection.name.value];
        if (!field) continue;
        const type = namedType(field.type);
        if (!isComposite(type)) continue;
        add(type);
        if (selection.selectionSet) walk(type, selection.selectionSet);
      } else {
        if (selection.kind === Kind.FRAGMENT_SPREAD) {
          if (followed.has(selection.name.value)) continue;
          followed.add(selection.name.value);
        }
        const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
        if (!fragment) continue;
        const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : parent;
        if (!condition || !isComposite(condition)) continue;
        add(condition);
        walk(condition, fragment.selectionSet);
      }
    }
  };
  const root = schema.getRootType(operation.operation);
  if (root) walk(root, operation.selectionSet);
  // A mutation's root type is not something it returns; a query's is in every entry (so a mutation
  // whose payload selects a field of type Query evicts them all).
  if (root && operation.operation !== OperationTypeNode.MUTATION) types.add(root.name);
  return { types: [...types].sort(), routerOnly: rootIsMetaOnly(operation.selectionSet, fragments) };
}
