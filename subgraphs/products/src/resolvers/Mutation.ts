import { ValidationError } from "@supergraph/service-kit";
import { type Identity, isValidId, requireIdentity, requireOwnerOrAdmin } from "@supergraph/subgraph-kit";
import type { MutationResolvers } from "../generated/resolvers-types.js";
import { productFields } from "./entity.js";

/**
 * Who a new product is created by: the caller, or the user an admin names in `input.createdById`
 * (a non-admin naming another user is FORBIDDEN). Anonymous callers may not create products.
 */
function creatorOf(identity: Identity | null, named: string | null | undefined): string {
  const caller = requireIdentity(identity, "create a product");
  if (named == null) {
    if (!isValidId(caller.userId)) {
      throw new ValidationError(
        "input.createdById",
        `input.createdById is needed: your user id "${caller.userId}" is not one of this store's users.`,
      );
    }
    return caller.userId;
  }
  // A malformed id is BAD_USER_INPUT (validateNewProduct), whoever names it.
  if (isValidId(named)) {
    requireOwnerOrAdmin(caller, named, { action: `create a product for user "${named}"`, owner: "that user" });
  }
  return named;
}

export const Mutation: MutationResolvers = {
  createProduct: (parent, { input }, context) =>
    productFields.create(
      parent,
      { input: { ...input, createdById: creatorOf(context.identity, input.createdById) } },
      context,
    ),
  updateProduct: productFields.update,
  deleteProduct: productFields.delete,
};
