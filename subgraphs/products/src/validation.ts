import { parseId, ValidationError, validateText } from "@supergraph/service-kit";
import type { CreateProductInput, UpdateProductInput } from "./generated/resolvers-types.js";
import { formatMoney } from "./money.js";
import type { NewProduct, ProductPatch } from "./store/productStore.js";

export const NAME_MAX_LENGTH = 200;
export const DESCRIPTION_MAX_LENGTH = 2000;
/** Highest accepted price, in cents (one billion). */
export const PRICE_MAX_CENTS = 100_000_000_000;

export function validateName(value: string, field = "name"): string {
  return validateText(value, field, { max: NAME_MAX_LENGTH });
}

/** Blank descriptions are stored as null. */
export function validateDescription(value: string | null | undefined, field = "description"): string | null {
  return validateText(value ?? "", field, { max: DESCRIPTION_MAX_LENGTH, required: false }) || null;
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
