import type { MutationResolvers } from "../generated/resolvers-types.js";
import { userFields } from "./entity.js";

export const Mutation: MutationResolvers = {
  createUser: userFields.create,
  updateUser: userFields.update,
  deleteUser: userFields.delete,
};
