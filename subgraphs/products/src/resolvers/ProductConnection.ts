import { connectionResolvers } from "@supergraph/subgraph-kit";
import type { ProductConnectionResolvers } from "../generated/resolvers-types.js";

export const ProductConnection: ProductConnectionResolvers = connectionResolvers;
