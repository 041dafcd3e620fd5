import { pageInfo } from "@supergraph/service-kit";
import type { UserConnectionResolvers } from "../generated/resolvers-types.js";

export const UserConnection: UserConnectionResolvers = {
  nodes: (page) => page.nodes,
  pageInfo: (page) => pageInfo(page),
  // Counted only when selected.
  totalCount: (_page, _args, { store }) => store.count(),
};
