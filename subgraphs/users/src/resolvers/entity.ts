import { entityResolvers } from "@supergraph/subgraph-kit";
import { validateNewUser, validateUserPatch } from "../validation.js";

/** The root fields' wiring, shared with every entity subgraph; what is the users' own is the validation. */
export const userFields = entityResolvers({ validateNew: validateNewUser, validatePatch: validateUserPatch });
