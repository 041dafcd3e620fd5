import { connectionResolvers } from "@supergraph/subgraph-kit";
import type { UserConnectionResolvers } from "../generated/resolvers-types.js";

export const UserConnection: UserConnectionResolvers = {
  ...connectionResolvers,
  // Counted only when selected.
  totalCount: (_page, _args, { store }) => store.count(),
};
