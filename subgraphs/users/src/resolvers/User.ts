import type { UserResolvers } from "../generated/resolvers-types.js";
import { userFields } from "./entity.js";

// Representations from the router; a malformed or unknown id resolves to null.
export const User: UserResolvers = { __resolveReference: userFields.reference };
