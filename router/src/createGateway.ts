import { ApolloGateway, type GetDataSourceFunction, type SupergraphSdlHook } from "@apollo/gateway";
import type { ApolloServerOptionsWithGateway, BaseContext } from "@apollo/server";
import { ErrorCode } from "@supergraph/error-codes";
import type { Logger } from "@supergraph/service-kit";
import { GraphQLError } from "graphql";

type GatewayInterface = ApolloServerOptionsWithGateway<BaseContext>["gateway"];

export interface GatewayOptions {
  /** Where supergraphs come from (e.g. the hot-reload watcher's hook). */
  supergraphSdl: SupergraphSdlHook;
  /** The data source of each subgraph. */
  buildService: GetDataSourceFunction;
  logger: Logger;
  /** Production: no query plans in responses, and failure messages without the planner's own words. */
  production: boolean;
}

/**
 * The error a failure of the gateway itself becomes: QUERY_PLANNING_FAILED when it failed before its
 * query plan was made (no subgraph was called), QUERY_EXECUTION_FAILED after. Outside production
 * the message says why.
 */
export function gatewayFailure(error: unknown, { planned, production }: { planned: boolean; production: boolean }) {
  const [code, what] = planned
    ? [ErrorCode.QUERY_EXECUTION_FAILED, "execute"]
    : [ErrorCode.QUERY_PLANNING_FAILED, "plan"];
  const reason = production ? "" : `: ${(error as Error).message}`;
  return new GraphQLError(`The router could not ${what} this operation${reason}.`, { extensions: { code } });
}

/**
 * The router's ApolloGateway, for Apollo Server. A failure of the gateway itself, outside any one
 * subgraph (which already gets SUBGRAPH_* codes), gets a code of its own instead of a bare
 * INTERNAL_SERVER_ERROR: QUERY_PLANNING_FAILED when the operation could not be planned (no subgraph
 * was called), QUERY_EXECUTION_FAILED when executing its plan failed. The cause is logged; outside
 * production the message also says it.
 */
export function createGateway({ supergraphSdl, buildService, logger, production }: GatewayOptions): {
  gateway: ApolloGateway;
  /** The gateway with coded failures, to give Apollo Server. */
  coded: GatewayInterface;
} {
  // The gateway calls this between planning and executing an operation; a request it never saw failed in planning.
  const planned = new WeakSet<object>();
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService,
    logger,
    __exposeQueryPlanExperimental: !production,
    experimental_didResolveQueryPlan: ({ requestContext }) => {
      planned.add(requestContext);
    },
  });
  const coded: GatewayInterface = {
    async load(options) {
      const { schema, executor } = await gateway.load(options);
      return {
        schema,
        executor: async (requestContext) => {
          try {
            return await executor(requestContext);
          } catch (error) {
            const planning = !planned.has(requestContext);
            const [code, what] = planning
              ? [ErrorCode.QUERY_PLANNING_FAILED, "plan"]
              : [ErrorCode.QUERY_EXECUTION_FAILED, "execute"];
            logger.error(
              { err: error, code, operationName: requestContext.operationName },
              `could not ${what} an operation`,
            );
            const reason = production ? "" : `: ${(error as Error).message}`;
            throw new GraphQLError(`The router could not ${what} this operation${reason}.`, { extensions: { code } });
          }
        },
      };
    },
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
  };
  return { gateway, coded };
}
