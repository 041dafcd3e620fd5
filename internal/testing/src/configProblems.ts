import { ConfigError } from "@supergraph/service-kit";

/** The problems of the ConfigError `run` throws; any other outcome (no error, another error) fails the test. */
export function configProblems(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error("expected a ConfigError");
}
