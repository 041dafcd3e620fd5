import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { ErrorCode } from "@supergraph/error-codes";
import { GraphQLError, Kind, OperationTypeNode } from "graphql";

const refuse = (message: string, code: ErrorCode) =>
  new GraphQLError(message, { extensions: { code, http: { status: 400 } } });

/**
 * Resolves which operation of the document runs, as a server without a gateway does, before the
 * gateway plans it: otherwise an unknown `operationName`, several operations without one, or a
 * subscription (this graph has none) would reach the query planner and fail as a 500
 * QUERY_PLANNING_FAILED. They are the client's mistakes: 400, with the code that says so.
 */
export const operationResolution: ApolloServerPlugin<BaseContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation, document, request, schema }) {
        if (!operation) {
          const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
          throw refuse(
            request.operationName
              ? `Unknown operation named "${request.operationName}".`
              : operations.length > 1
                ? "Must provide operationName if the document contains several operations."
                : "The document has no operation to run.",
            ErrorCode.OPERATION_RESOLUTION_FAILURE,
          );
        }
        if (operation.operation === OperationTypeNode.SUBSCRIPTION && !schema.getSubscriptionType()) {
          throw refuse("This graph has no subscriptions.", ErrorCode.GRAPHQL_VALIDATION_FAILED);
        }
      },
    };
  },
};
