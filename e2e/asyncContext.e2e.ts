import { bearer, postGraphQL, scratchFiles, startSystem } from "@supergraph/testing";
import { expect, it } from "vitest";

/**
 * Loaded before the router (NODE_OPTIONS=--require): reports, on stderr, every async hook enabled
 * and every AsyncLocalStorage created in the process. Either turns on Node 20's promise hooks for
 * every promise of every request.
 */
const WATCH_ASYNC_CONTEXT = `
const hooks = require("node:async_hooks");
const report = (what) => process.stderr.write("ASYNC-CONTEXT " + what + " at " + new Error().stack.split("\\n").slice(2, 5).join(" | ") + "\\n");
const createHook = hooks.createHook;
hooks.createHook = (callbacks) => {
  const hook = createHook(callbacks);
  const enable = hook.enable.bind(hook);
  hook.enable = () => { report("hook enabled"); return enable(); };
  return hook;
};
const Storage = hooks.AsyncLocalStorage;
hooks.AsyncLocalStorage = class extends Storage { constructor(...args) { super(...args); report("AsyncLocalStorage created"); } };
`;

it("runs no async hook and no AsyncLocalStorage in the router while tracing is off, requests included", async () => {
  const folder = scratchFiles("async-context");
  const preload = folder.file(WATCH_ASYNC_CONTEXT, "watch-async-context.cjs");
  const system = await startSystem({ env: { router: { NODE_OPTIONS: `--require ${preload}` } } });
  try {
    const token = await bearer("1");
    for (let i = 0; i < 5; i++) {
      const answer = await postGraphQL(
        system.routerUrl,
        "{ products(first: 5) { nodes { name createdBy { name email } } } }",
        { headers: token },
      );
      expect(answer.errors).toBeUndefined();
    }
    const logs = system.logs("router");
    // The preload ran (its patch is in place) and the router served requests...
    expect(logs).toContain("listening");
    // ...without turning on any async context.
    expect(logs.split("\n").filter((line) => line.startsWith("ASYNC-CONTEXT"))).toEqual([]);
  } finally {
    await system.shutdown();
    folder.remove();
  }
});
