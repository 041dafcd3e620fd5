import { isValidId } from "@supergraph/service-kit";
import type { ProductResolvers } from "../generated/resolvers-types.js";

export const Product: ProductResolvers = {
  // Representations from the router; a malformed or unknown id resolves to null.
  __resolveReference: (reference, { productById }) =>
    isValidId(reference.id) ? productById.load(Number(reference.id)) : null,
  price: (product) => product.priceCents,
  // A reference the router resolves through the users subgraph.
  createdBy: (product) => ({ id: product.createdById }),
};
