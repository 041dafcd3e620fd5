import { ValidationError, validateInput, validatePatch, validateText } from "@supergraph/service-kit";
import { parseId } from "@supergraph/subgraph-kit";
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

/** The rule of each field of a product input; errors name it `input.<field>`. */
const PRODUCT_FIELDS = { name: validateName, description: validateDescription, price: validatePrice };

/** A create input whose creator is decided (the caller, unless an admin named another user). */
export type CreateProductRequest = CreateProductInput & { createdById: string };

export function validateNewProduct(input: CreateProductRequest): NewProduct {
  const { name, description, price } = validateInput(input, PRODUCT_FIELDS);
  return { name, description, priceCents: price, createdById: parseId(input.createdById, "input.createdById") };
}

/** Fields left out (or null) stay as they are. */
export function validateProductPatch(input: UpdateProductInput): ProductPatch {
  const { name, description, price } = validatePatch(input, PRODUCT_FIELDS);
  return { name, description, priceCents: price };
}
