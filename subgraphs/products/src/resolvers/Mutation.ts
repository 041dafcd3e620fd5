import { parseId } from "@supergraph/service-kit";
import type { MutationResolvers } from "../generated/resolvers-types.js";
import { validateNewProduct, validateProductPatch } from "../validation.js";

export const Mutation: MutationResolvers = {
  createProduct: (_parent, { input }, { store }) => store.create(validateNewProduct(input)),
  updateProduct: (_parent, { id, input }, { store }) => {
    const productId = parseId(id);
    return store.update(productId, validateProductPatch(input));
  },
  deleteProduct: (_parent, { id }, { store }) => store.delete(parseId(id)),
};
