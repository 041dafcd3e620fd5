import type { BaseContext } from "@apollo/server";
import type { Service } from "@supergraph/service-kit";
import type { FormattedExecutionResult } from "graphql";

/**
 * Runs an operation in-process against a service's ApolloServer, with the given context, and
 * returns the result as a client would read it off the wire (JSON round trip).
 */
export async function executeOperation<TContext extends BaseContext>(
  service: Service<TContext>,
  contextValue: TContext,
  query: string,
  variables?: Record<string, unknown>,
): Promise<FormattedExecutionResult> {
  const response = await service.apollo.executeOperation(
    { query, ...(variables ? { variables } : {}) },
    { contextValue },
  );
  if (response.body.kind !== "single") throw new Error("expected a single result, not an incremental one");
  return JSON.parse(JSON.stringify(response.body.singleResult)) as FormattedExecutionResult;
}
