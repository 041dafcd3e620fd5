import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    include: ["**/*.test.ts", "**/*.e2e.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Keeps every child process's output and fails the run if any holds a token, signature or secret.
    globalSetup: ["internal/testing/src/logCapture.globalSetup.ts"],
  },
});
