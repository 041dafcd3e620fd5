import type { QueryResolvers } from "../generated/resolvers-types.js";
import { productFields } from "./entity.js";

export const Query: QueryResolvers = { products: productFields.list, product: productFields.byId };
