import { createRequire } from "node:module";
import { postgresSkipReason } from "@supergraph/subgraph-kit/testing";
import { defineConfig } from "vitest/config";

/**
 * Two runs of the tests that touch a subgraph's database: on SQLite (every test) and on PostgreSQL
 * (the store, subgraph and end-to-end tests again, each on throwaway databases of TEST_POSTGRES_URL's
 * server, default the local one). Where no PostgreSQL server answers, the PostgreSQL run is left out
 * with a message, so `npm test` passes on a machine without one; REQUIRE_POSTGRES=1 (CI) makes that an error.
 */
const DATABASE_TESTS = [
  "subgraphs/*/src/**/*.test.ts",
  "packages/subgraph-kit/**/*.test.ts",
  "e2e/**/*.test.ts",
  "e2e/**/*.e2e.ts",
];
/** End-to-end tests whose subject is not a subgraph's database: once is enough. */
const ENGINE_FREE = [
  "e2e/sharedState.e2e.ts", // the routers' Redis
  "e2e/multiHost.e2e.ts", // on PostgreSQL already
  "e2e/limits.e2e.ts", // the router's limits, refused before any subgraph
  "e2e/identityProvider.test.ts", // the router's token checks, over in-memory SQLite
  "e2e/tokenCommand.test.ts", // no database
];

export default defineConfig(async () => {
  const shared = {
    resolve: {
      conditions: ["source"],
      // graphql as Node loads it for the services (its CommonJS entry, shared with @apollo/gateway and
      // Apollo Server), not the ES module build Vite would pick: two copies refuse each other's schemas.
      alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve("graphql") }],
    },
    ssr: { resolve: { conditions: ["source"] } },
  };
  const test = {
    exclude: ["**/node_modules/**", "**/dist/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  };
  const postgresMissing = await postgresSkipReason();
  if (postgresMissing) {
    console.warn(
      `\n${postgresMissing}: the PostgreSQL run of the database tests is skipped; they ran on SQLite only.\n`,
    );
  }
  const postgres = postgresMissing === undefined;
  return {
    ...shared,
    test: {
      // Keeps every child process's output and fails the run if any holds a token, signature or secret.
      globalSetup: ["internal/testing/src/logCapture.globalSetup.ts"],
      projects: [
        {
          ...shared,
          test: { ...test, name: "sqlite", include: ["**/*.test.ts", "**/*.e2e.ts"], env: { TEST_DATABASE: "sqlite" } },
        },
        ...(postgres
          ? [
              {
                ...shared,
                test: {
                  ...test,
                  name: "postgres",
                  include: DATABASE_TESTS,
                  exclude: [...test.exclude, ...ENGINE_FREE],
                  env: { TEST_DATABASE: "postgres" },
                },
              },
            ]
          : []),
      ],
    },
  };
});
