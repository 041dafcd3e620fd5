import { ValidationError, validateInput, validatePatch, validateText } from "@supergraph/service-kit";
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

/** The rule of each field of a user input; errors name it `input.<field>`. */
const USER_FIELDS = { name: validateName, email: validateEmail };

export const validateNewUser = (input: CreateUserInput): NewUser => validateInput(input, USER_FIELDS);

/** Fields left out (or null) stay as they are. */
export const validateUserPatch = (input: UpdateUserInput): UserPatch => validatePatch(input, USER_FIELDS);
