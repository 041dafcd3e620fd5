import { parseId, ValidationError } from "@supergraph/service-kit";
import type { CreateProductInput, UpdateProductInput } from "./generated/resolvers-types.js";
import { formatMoney } from "./money.js";
import type { NewProduct, ProductPatch } from "./store/productStore.js";

export const NAME_MAX_LENGTH = 200;
export const DESCRIPTION_MAX_LENGTH = 2000;
/** Highest accepted price, in cents (one billion). */
export const PRICE_MAX_CENTS = 100_000_000_000;

export function validateName(value: string, field = "name"): string {
  const name = value.trim();
  if (name.length === 0) throw new ValidationError(field, `${field} must not be empty.`);
  if (name.length > NAME_MAX_LENGTH) {
    throw new ValidationError(field, `${field} must be at most ${NAME_MAX_LENGTH} characters; got ${name.length}.`);
  }
  return name;
}

/** Blank descriptions are stored as null. */
export function validateDescription(value: string | null | undefined, field = "description"): string | null {
  const description = value?.trim() ?? "";
  if (description.length > DESCRIPTION_MAX_LENGTH) {
    throw new ValidationError(field, `${field} must be at most ${DESCRIPTION_MAX_LENGTH} characters.`);
  }
  return description.length === 0 ? null : description;
}

export function validatePrice(cents: number, field = "price"): number {
  if (cents < 0) throw new ValidationError(field, `${field} must be 0 or more; got ${formatMoney(cents)}.`);
  if (cents > PRICE_MAX_CENTS) {
    throw new ValidationError(field, `${field} must be at most ${formatMoney(PRICE_MAX_CENTS)}.`);
  }
  return cents;
}

export function validateNewProduct(input: CreateProductInput): NewProduct {
  return {
    name: validateName(input.name, "input.name"),
    description: validateDescription(input.description, "input.description"),
    priceCents: validatePrice(input.price, "input.price"),
    createdById: parseId(input.createdById, "input.createdById"),
  };
}

export function validateProductPatch(input: UpdateProductInput): ProductPatch {
  return {
    name: input.name == null ? undefined : validateName(input.name, "input.name"),
    description: input.description == null ? undefined : validateDescription(input.description, "input.description"),
    priceCents: input.price == null ? undefined : validatePrice(input.price, "input.price"),
  };
}
