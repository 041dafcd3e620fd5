import { parseId, parsePage } from "@supergraph/service-kit";
import type { QueryResolvers } from "../generated/resolvers-types.js";

export const PAGE_LIMITS = { defaultSize: 20, maxSize: 100 } as const;

export const Query: QueryResolvers = {
  products: (_parent, args, { store }) => store.list(parsePage(args, PAGE_LIMITS)),
  product: (_parent, { id }, { productById }) => productById.load(parseId(id)),
};
