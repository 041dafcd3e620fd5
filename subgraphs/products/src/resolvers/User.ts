import { isValidId, parsePage } from "@supergraph/subgraph-kit";
import type { UserResolvers } from "../generated/resolvers-types.js";

const EMPTY_PAGE = { nodes: [], hasNextPage: false };

export const User: UserResolvers = {
  // This subgraph keeps no user data: a reference is all it needs to contribute `products`.
  __resolveReference: (reference) => ({ id: reference.id }),
  products: (user, args, { productsByCreator }) => {
    const page = parsePage(args);
    return isValidId(user.id) ? productsByCreator(page).load(Number(user.id)) : EMPTY_PAGE;
  },
};
