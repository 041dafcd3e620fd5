/**
 * One instance of `graphql` for everything the checks build, shared with Apollo's packages.
 *
 * Apollo's federation packages are CommonJS and `require("graphql")`. An ESM `import "graphql"` may load
 * graphql's `.mjs` build instead (vitest does), and a schema built by one instance cannot be used by the
 * other ("Cannot use GraphQLObjectType from another module or realm"). Loading graphql and
 * @graphql-inspector/core through `require` gives the CommonJS instance under tsx and vitest alike.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export const graphql = require("graphql") as typeof import("graphql");
export const inspector = require("@graphql-inspector/core") as typeof import("@graphql-inspector/core");
