import { pageInfo } from "@supergraph/service-kit";
import type { ProductConnectionResolvers } from "../generated/resolvers-types.js";

export const ProductConnection: ProductConnectionResolvers = {
  nodes: (page) => page.nodes,
  pageInfo: (page) => pageInfo(page),
};
