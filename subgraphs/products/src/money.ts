import { ErrorCode } from "@supergraph/error-codes";
import { GraphQLError, GraphQLScalarType, Kind } from "graphql";

/** Decimal with at most two fraction digits, optionally negative (range is checked by validation). */
const DECIMAL = /^(-?)(\d{1,15})(?:\.(\d{1,2}))?$/;

function invalid(value: unknown): GraphQLError {
  return new GraphQLError(
    `Money must be a decimal with at most two decimals, such as "19.99"; got ${JSON.stringify(value)}.`,
    { extensions: { code: ErrorCode.BAD_USER_INPUT } },
  );
}

/** Parses "19.99" (or the number 19.99) to integer cents, exactly: no float arithmetic. */
export function parseMoney(value: unknown): number {
  const text = typeof value === "number" && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== "string") throw invalid(value);
  const match = DECIMAL.exec(text.trim());
  if (!match) throw invalid(value);
  const [, sign, units = "0", fraction = ""] = match;
  const cents = Number(units) * 100 + Number(fraction.padEnd(2, "0"));
  if (!Number.isSafeInteger(cents)) throw invalid(value);
  return sign === "-" ? -cents : cents;
}

/** Formats integer cents as a decimal string with two fraction digits. */
export function formatMoney(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** The `Money` scalar: integer cents inside the service, a decimal string on the wire. */
export const MoneyScalar = new GraphQLScalarType<number, string>({
  name: "Money",
  description: 'An exact amount of money with at most two decimals, serialized as a string such as "19.99".',
  serialize: (value) => {
    if (typeof value !== "number" || !Number.isSafeInteger(value)) {
      throw new GraphQLError("Money can only serialize integer cents.");
    }
    return formatMoney(value);
  },
  parseValue: parseMoney,
  parseLiteral: (ast) => {
    // A numeric literal's source text is used as is, so 19.99 never passes through a float.
    if (ast.kind === Kind.STRING || ast.kind === Kind.FLOAT || ast.kind === Kind.INT) return parseMoney(ast.value);
    throw invalid("non-scalar literal");
  },
});
