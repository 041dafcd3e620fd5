import { configProblems, scratchFiles } from "@supergraph/testing";
import { afterAll, describe, expect, it } from "vitest";
import { readConfig } from "../config.js";
import { readRouterFile } from "../routerFile.js";
import { RESPONSE_CACHE_DEFAULTS } from "./settings.js";

const scratch = scratchFiles("response-cache-config");
afterAll(() => scratch.remove());

describe("router.yaml's responseCache", () => {
  it("is off by default, and the repo's router.yaml spells out the built-in defaults", () => {
    expect(RESPONSE_CACHE_DEFAULTS).toEqual({
      enabled: false,
      maxEntries: 10_000,
      maxBytes: 64 * 1024 * 1024,
      defaultMaxAgeSeconds: 0,
    });
    expect(readConfig({}).router.responseCache).toEqual(RESPONSE_CACHE_DEFAULTS);
    expect(readRouterFile(scratch.file(""), true, {}).responseCache).toEqual(RESPONSE_CACHE_DEFAULTS);
  });

  it("takes ROUTER_RESPONSE_CACHE__* overrides", () => {
    const config = readRouterFile(scratch.file("responseCache: { maxEntries: 50 }"), true, {
      ROUTER_RESPONSE_CACHE__ENABLED: "true",
      ROUTER_RESPONSE_CACHE__MAX_BYTES: "1048576",
    });
    expect(config.responseCache).toEqual({
      ...RESPONSE_CACHE_DEFAULTS,
      enabled: true,
      maxEntries: 50,
      maxBytes: 1_048_576,
    });
  });

  it("refuses bad values and unknown keys, naming them", () => {
    const path = scratch.file("responseCache: { maxEntries: 0, ttl: 5 }");
    expect(configProblems(() => readRouterFile(path, true, { ROUTER_RESPONSE_CACHE__ENABLED: "yes please" }))).toEqual([
      "ROUTER_RESPONSE_CACHE__ENABLED: Invalid input: expected boolean, received string",
      `${path}: responseCache.maxEntries: expected 1 or more`,
      `${path}: responseCache.ttl: unknown key`,
    ]);
  });
});
