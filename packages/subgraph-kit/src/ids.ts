import { ValidationError } from "@supergraph/service-kit";

/** Ids are positive integers, sent as GraphQL `ID` strings. */
const ID_PATTERN = /^[1-9][0-9]{0,14}$/;

/** Parses an entity id; a malformed one is a BAD_USER_INPUT error naming `field`. */
export function parseId(value: string, field = "id"): number {
  if (!ID_PATTERN.test(value)) {
    throw new ValidationError(
      field,
      `${field} must be a positive integer id such as "1"; got ${JSON.stringify(value)}.`,
    );
  }
  return Number(value);
}

/** True when `value` is a well-formed id (used for entity references, where malformed means "no such entity"). */
export function isValidId(value: unknown): value is string {
  return typeof value === "string" && ID_PATTERN.test(value);
}
