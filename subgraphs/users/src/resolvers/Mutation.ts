import { requireAdmin } from "@supergraph/subgraph-kit";
import type { MutationResolvers } from "../generated/resolvers-types.js";
import { userFields } from "./entity.js";

export const Mutation: MutationResolvers = {
  createUser: (parent, args, context) => {
    // Sign-up is open unless SIGNUP=admin.
    if (context.signup === "admin") requireAdmin(context.identity, "create users");
    return userFields.create(parent, args, context);
  },
  updateUser: userFields.update,
  deleteUser: userFields.delete,
};
