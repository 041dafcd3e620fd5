import { ValidationError } from "./errors.js";

export interface TextRule {
  /** Longest accepted length after trimming. */
  max: number;
  /** Whether an empty (or blank) value is refused. Default: true. */
  required?: boolean;
}

/** Trims a text input and checks its length; errors name `field`. Blank optional text becomes "". */
export function validateText(value: string, field: string, { max, required = true }: TextRule): string {
  const text = value.trim();
  if (required && text.length === 0) throw new ValidationError(field, `${field} must not be empty.`);
  if (text.length > max) {
    throw new ValidationError(field, `${field} must be at most ${max} characters; got ${text.length}.`);
  }
  return text;
}

/** A rule per input field: checks and normalises the value, throwing ValidationError naming `field`. */
type FieldRules<I> = { [K in keyof I]?: (value: I[K], field: string) => unknown };
type PatchRules<I> = { [K in keyof I]?: (value: Exclude<I[K], null | undefined>, field: string) => unknown };
type Validated<R> = { [K in keyof R]: R[K] extends (...args: never[]) => infer Out ? Out : never };

/**
 * Validates a create input: every field that has a rule goes through it (absent optional fields
 * included, so the rule decides their default), and errors name the field as `input.<name>`.
 */
export function validateInput<I extends object, R extends FieldRules<I>>(input: I, rules: R): Validated<R> {
  const output: Record<string, unknown> = {};
  for (const [key, rule] of Object.entries(rules) as [
    string,
    ((value: unknown, field: string) => unknown) | undefined,
  ][]) {
    output[key] = rule?.((input as Record<string, unknown>)[key], `input.${key}`);
  }
  return output as Validated<R>;
}

/**
 * Validates an update input: a field that is absent or null is left as it is (undefined here);
 * any other goes through its rule, errors naming it `input.<name>`.
 */
export function validatePatch<I extends object, R extends PatchRules<I>>(input: I, rules: R): Partial<Validated<R>> {
  const output: Record<string, unknown> = {};
  for (const [key, rule] of Object.entries(rules) as [
    string,
    ((value: unknown, field: string) => unknown) | undefined,
  ][]) {
    const value = (input as Record<string, unknown>)[key];
    output[key] = value == null ? undefined : rule?.(value, `input.${key}`);
  }
  return output as Partial<Validated<R>>;
}
