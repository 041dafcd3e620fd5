import { env, loadConfig } from "@supergraph/service-kit";

/** The environment variables every subgraph reads (see packages/subgraph-kit/README.md); `defaults` are the subgraph's own. */
export function readSubgraphConfig(
  defaults: { port: number; databaseFile: string },
  source: NodeJS.ProcessEnv = process.env,
) {
  return loadConfig(
    {
      PORT: env.port(defaults.port),
      HOST: env.string("127.0.0.1"),
      DATABASE_FILE: env.string(defaults.databaseFile),
      LOG_LEVEL: env.logLevel(),
      LOG_FORMAT: env.logFormat(),
    },
    source,
  );
}

export type SubgraphConfig = ReturnType<typeof readSubgraphConfig>;
