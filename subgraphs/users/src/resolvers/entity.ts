import { entityResolvers } from "@supergraph/subgraph-kit";
import type { User } from "../store/userStore.js";
import { validateNewUser, validateUserPatch } from "../validation.js";

/**
 * The root fields' wiring, shared with every entity subgraph; what is the users' own is the
 * validation, and that a user is their own owner: only they or an admin may change or delete them.
 */
export const userFields = entityResolvers({
  validateNew: validateNewUser,
  validatePatch: validateUserPatch,
  ownership: { entity: "User", ownerOf: (user: User) => user.id, owner: "the user themselves" },
});
