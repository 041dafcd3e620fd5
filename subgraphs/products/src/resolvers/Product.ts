import type { ProductResolvers } from "../generated/resolvers-types.js";
import { productFields } from "./entity.js";

export const Product: ProductResolvers = {
  // Representations from the router; a malformed or unknown id resolves to null.
  __resolveReference: productFields.reference,
  price: (product) => product.priceCents,
  // A reference the router resolves through the users subgraph.
  createdBy: (product) => ({ id: product.createdById }),
};
