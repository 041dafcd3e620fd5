import { ValidationError, validateText } from "@supergraph/service-kit";
import { z } from "zod";
import type { CreateUserInput, UpdateUserInput } from "./generated/resolvers-types.js";
import type { NewUser, UserPatch } from "./store/userStore.js";

export const NAME_MAX_LENGTH = 100;
export const EMAIL_MAX_LENGTH = 254;
const emailSchema = z.email();

export function validateName(value: string, field = "name"): string {
  return validateText(value, field, { max: NAME_MAX_LENGTH });
}

/** Trims and lower-cases, so uniqueness ignores case. */
export function validateEmail(value: string, field = "email"): string {
  const email = value.trim().toLowerCase();
  if (email.length > EMAIL_MAX_LENGTH) {
    throw new ValidationError(field, `${field} must be at most ${EMAIL_MAX_LENGTH} characters.`);
  }
  if (!emailSchema.safeParse(email).success) {
    throw new ValidationError(
      field,
      `${field} must be a valid email address such as "ada@example.com"; got ${JSON.stringify(value)}.`,
    );
  }
  return email;
}

export function validateNewUser(input: CreateUserInput): NewUser {
  return { name: validateName(input.name, "input.name"), email: validateEmail(input.email, "input.email") };
}

export function validateUserPatch(input: UpdateUserInput): UserPatch {
  return {
    name: input.name == null ? undefined : validateName(input.name, "input.name"),
    email: input.email == null ? undefined : validateEmail(input.email, "input.email"),
  };
}
