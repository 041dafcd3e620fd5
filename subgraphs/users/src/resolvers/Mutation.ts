import { parseId } from "@supergraph/service-kit";
import type { MutationResolvers } from "../generated/resolvers-types.js";
import { validateNewUser, validateUserPatch } from "../validation.js";

export const Mutation: MutationResolvers = {
  createUser: (_parent, { input }, { store }) => store.create(validateNewUser(input)),
  updateUser: (_parent, { id, input }, { store }) => {
    const userId = parseId(id);
    return store.update(userId, validateUserPatch(input));
  },
  deleteUser: (_parent, { id }, { store }) => store.delete(parseId(id)),
};
