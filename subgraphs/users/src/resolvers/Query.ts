import type { QueryResolvers } from "../generated/resolvers-types.js";
import { userFields } from "./entity.js";

export const Query: QueryResolvers = { users: userFields.list, user: userFields.byId };
