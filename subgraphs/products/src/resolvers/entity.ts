import { entityResolvers } from "@supergraph/subgraph-kit";
import type { Product } from "../store/productStore.js";
import { validateNewProduct, validateProductPatch } from "../validation.js";

/**
 * Root fields wired by the kit, as for every entity; the products' own part is their validation,
 * and that a product belongs to its creator: only they or an admin may change or delete it.
 */
export const productFields = entityResolvers({
  validateNew: validateNewProduct,
  validatePatch: validateProductPatch,
  ownership: { entity: "Product", ownerOf: (product: Product) => product.createdById, owner: "its creator" },
});
