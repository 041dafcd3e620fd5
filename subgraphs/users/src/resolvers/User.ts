import { isOwnerOrAdmin } from "@supergraph/subgraph-kit";
import type { UserResolvers } from "../generated/resolvers-types.js";
import { userFields } from "./entity.js";

export const User: UserResolvers = {
  // Representations from the router; a malformed or unknown id resolves to null.
  __resolveReference: userFields.reference,
  // Private: the user themselves and admins see it, whichever way the user was reached (_entities included).
  email: (user, _args, { identity }) => (isOwnerOrAdmin(identity, user.id) ? user.email : null),
};
