import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { HeaderMap } from "@apollo/server";
import {
  type DocumentNode,
  execute,
  type FragmentDefinitionNode,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

/** Root fields every GraphQL schema answers by itself, with no data behind them. */
const META_FIELDS = new Set(["__schema", "__type", "__typename"]);

/** Whether every root field of `operation` (through fragments too) is `__schema`, `__type` or `__typename`. */
export function isIntrospectionOnly(document: DocumentNode, operation: OperationDefinitionNode): boolean {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const seen = new Set<string>();
  const only = (selectionSet: SelectionSetNode): boolean =>
    selectionSet.selections.every((selection) => {
      if (selection.kind === Kind.FIELD) return META_FIELDS.has(selection.name.value);
      if (selection.kind === Kind.INLINE_FRAGMENT) return only(selection.selectionSet);
      const name = selection.name.value;
      if (seen.has(name)) return true;
      seen.add(name);
      const fragment = fragments.get(name);
      return fragment !== undefined && only(fragment.selectionSet);
    });
  return only(operation.selectionSet);
}

/**
 * Answers an operation that asks only for introspection (`__schema`, `__type`, `__typename` at its
 * root) from the API schema itself, without the query planner. The planner works on federation's
 * own model of the schema, which lacks parts of the introspection types graphql-js serves (such as
 * `__Type.isOneOf`): without this, a tool that first asks what `__Type` offers and then asks for it
 * would get QUERY_PLANNING_FAILED. Whether introspection is allowed at all is decided earlier, by
 * validation (production refuses `__schema` and `__type`), and the limits have run by then.
 */
export const introspection: ApolloServerPlugin<BaseContext> = {
  async requestDidStart() {
    return {
      async responseForOperation({ document, operation, schema, request }) {
        if (!isIntrospectionOnly(document, operation)) return null;
        const result = await execute({
          schema,
          document,
          operationName: operation.name?.value ?? null,
          variableValues: request.variables ?? null,
        });
        // A failure (rare: validation ran already) goes the usual way, through the gateway and the
        // error formatting, which a plugin's own response would skip.
        if (result.errors?.length || !result.data) return null;
        return { http: { headers: new HeaderMap() }, body: { kind: "single", singleResult: { data: result.data } } };
      },
    };
  },
};
