import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { ErrorCode } from "@supergraph/error-codes";
import {
  type DocumentNode,
  type FieldNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";
import { fieldsOf, fragmentsOf, isLeaf, namedType } from "../schemaShape.js";
import { LimitError } from "./limitError.js";
import type { OperationLimits } from "./settings.js";

/** The argument that sets how many items a list field (a connection) returns. */
const PAGE_SIZE_ARGUMENT = "first";

export type CostWeights = Pick<OperationLimits, "objectCost" | "scalarCost" | "maxListSize">;

export interface CostInput {
  /** The schema clients query (the router's API schema). */
  schema: GraphQLSchema;
  /** A valid document: fragments are looked up in it. */
  document: DocumentNode;
  /** The operation to estimate, one of the document's. */
  operation: OperationDefinitionNode;
  /** The variables as sent (not yet coerced). Default: none. */
  variables?: Readonly<Record<string, unknown>> | undefined;
  weights: CostWeights;
}

/**
 * Estimates what an operation makes the subgraphs do, before it runs. Each field costs
 * `objectCost` (object types) or `scalarCost` (scalars and enums); a field with a `first` argument
 * (a connection) multiplies the cost of its selections by its page size: the literal, else the
 * variable's value as sent, else the variable's default, else `maxListSize`; without the argument,
 * the schema's default (`first: Int = 20`), else `maxListSize`. Nested lists multiply. Fragments
 * and inline fragments are followed (each fragment estimated once); `@skip`/`@include` are ignored
 * (the field is counted); introspection and `__typename` cost nothing. Lists without a `first`
 * argument count once: here they are the `nodes` of a connection, already weighted by its `first`.
 */
export function estimateCost({ schema, document, operation, variables = {}, weights }: CostInput): number {
  const fragments = fragmentsOf(document);
  const variableDefaults = new Map<string, ValueNode>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) variableDefaults.set(definition.variable.name.value, definition.defaultValue);
  }

  const intOf = (value: unknown): number | undefined =>
    typeof value === "number" && Number.isSafeInteger(value) ? Math.max(0, value) : undefined;
  const literal = (node: ValueNode | undefined): number | undefined =>
    node?.kind === Kind.INT ? intOf(Number.parseInt(node.value, 10)) : undefined;

  const pageSize = (field: FieldNode, definition: GraphQLField<unknown, unknown>): number => {
    const argument = definition.args.find((arg) => arg.name === PAGE_SIZE_ARGUMENT);
    if (!argument) return 1;
    const given = field.arguments?.find((arg) => arg.name.value === PAGE_SIZE_ARGUMENT)?.value;
    if (!given) return intOf(argument.defaultValue) ?? weights.maxListSize;
    if (given.kind !== Kind.VARIABLE) return literal(given) ?? weights.maxListSize;
    const name = given.name.value;
    if (Object.hasOwn(variables, name)) return intOf(variables[name]) ?? weights.maxListSize;
    return literal(variableDefaults.get(name)) ?? weights.maxListSize;
  };

  const fragmentCosts = new Map<string, number>();
  const visiting = new Set<string>();

  const selectionsCost = (selectionSet: SelectionSetNode, parentType: GraphQLNamedType | undefined): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) total += fieldCost(selection, parentType);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
        total += selectionsCost(selection.selectionSet, type);
      } else total += fragmentCost(selection.name.value);
    }
    return total;
  };

  const fragmentCost = (name: string): number => {
    const known = fragmentCosts.get(name);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    if (!fragment || visiting.has(name)) return 0;
    visiting.add(name);
    const cost = selectionsCost(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value));
    visiting.delete(name);
    fragmentCosts.set(name, cost);
    return cost;
  };

  const fieldCost = (field: FieldNode, parentType: GraphQLNamedType | undefined): number => {
    if (field.name.value.startsWith("__")) return 0;
    const definition = fieldsOf(parentType)?.[field.name.value];
    if (!definition) return 0;
    const type = namedType(definition.type);
    const own = isLeaf(type) ? weights.scalarCost : weights.objectCost;
    if (!field.selectionSet) return own;
    return own + pageSize(field, definition) * selectionsCost(field.selectionSet, type);
  };

  return selectionsCost(operation.selectionSet, schema.getRootType(operation.operation) ?? undefined);
}

/**
 * Refuses an operation whose estimated cost is above `maxCost` with QUERY_TOO_COSTLY (HTTP 400).
 * It runs once the operation is resolved and its variables are known, before execution: no query
 * is planned and no subgraph is called for a refused operation.
 */
export function costLimitPlugin<TContext extends BaseContext>(
  limits: Pick<OperationLimits, "maxCost"> & CostWeights,
): ApolloServerPlugin<TContext> {
  // An operation without variables always costs the same: estimated once per parsed document
  // (Apollo Server hands the same document object to every request with the same text).
  const fixedCosts = new WeakMap<DocumentNode, Map<string, number>>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, operationName, request }) {
          if (!operation) return;
          const fixed = !request.variables || Object.keys(request.variables).length === 0;
          const byOperation = fixed ? fixedCosts.get(document) : undefined;
          let cost = byOperation?.get(operationName ?? "");
          if (cost === undefined) {
            cost = estimateCost({ schema, document, operation, variables: request.variables, weights: limits });
            if (fixed) {
              const costs = byOperation ?? new Map<string, number>();
              costs.set(operationName ?? "", cost);
              if (!byOperation) fixedCosts.set(document, costs);
            }
          }
          if (cost > limits.maxCost) {
            throw new LimitError(
              ErrorCode.QUERY_TOO_COSTLY,
              `Query cost limit of ${limits.maxCost} exceeded, estimated ${cost}.`,
            );
          }
        },
      };
    },
  };
}
