import type { MutationResolvers } from "../generated/resolvers-types.js";
import { productFields } from "./entity.js";

export const Mutation: MutationResolvers = {
  createProduct: productFields.create,
  updateProduct: productFields.update,
  deleteProduct: productFields.delete,
};
