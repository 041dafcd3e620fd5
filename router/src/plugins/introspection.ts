import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { HeaderMap } from "@apollo/server";
import { execute, type OperationDefinitionNode } from "graphql";
import { fragmentsOf, rootIsMetaOnly } from "../schemaShape.js";

/**
 * Answers an operation that asks only for introspection (`__schema`, `__type`, `__typename` at its
 * root) from the API schema itself, without the query planner. The planner works on federation's
 * own model of the schema, which lacks parts of the introspection types graphql-js serves (such as
 * `__Type.isOneOf`): without this, a tool that first asks what `__Type` offers and then asks for it
 * would get QUERY_PLANNING_FAILED. Whether introspection is allowed at all is decided earlier, by
 * validation (production refuses `__schema` and `__type`), and the limits have run by then.
 */
/** Per operation node (Apollo Server keeps parsed documents, so the nodes repeat): whether only meta fields are asked for. */
const metaOnly = new WeakMap<OperationDefinitionNode, boolean>();

export const introspection: ApolloServerPlugin<BaseContext> = {
  async requestDidStart() {
    return {
      async responseForOperation({ document, operation, schema, request }) {
        let only = metaOnly.get(operation);
        if (only === undefined) {
          only = rootIsMetaOnly(operation.selectionSet, fragmentsOf(document));
          metaOnly.set(operation, only);
        }
        if (!only) return null;
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
