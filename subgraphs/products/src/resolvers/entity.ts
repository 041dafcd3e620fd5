import { entityResolvers } from "@supergraph/subgraph-kit";
import { validateNewProduct, validateProductPatch } from "../validation.js";

/** Root fields wired by the kit, as for every entity; the products' own part is their validation. */
export const productFields = entityResolvers({ validateNew: validateNewProduct, validatePatch: validateProductPatch });
