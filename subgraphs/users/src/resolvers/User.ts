import { isValidId } from "@supergraph/service-kit";
import type { UserResolvers } from "../generated/resolvers-types.js";

export const User: UserResolvers = {
  // Representations from the router; a malformed or unknown id resolves to null.
  __resolveReference: (reference, { userById }) =>
    isValidId(reference.id) ? userById.load(Number(reference.id)) : null,
};
