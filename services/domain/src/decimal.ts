import DecimalJs from 'decimal.js';
import { DECIMAL_GRAMMAR, MAX_FRACTION_DIGITS, MAX_INTEGER_DIGITS } from './decimal-text';

/**
 * Exact decimal arithmetic for quantities and money. A total has at most 76 significant digits
 * (ClickHouse Decimal(76, 12)) and a price at most 38 (26 integer, 12 fraction digits), so a charge,
 * their product, has at most 114: 160 significant digits keep every product and sum exact; rounding
 * happens only where we ask for it (pricing rounds once per invoice line, half-up).
 */
export const Decimal = DecimalJs.clone({ precision: 160, rounding: DecimalJs.ROUND_HALF_UP, toExpNeg: -200, toExpPos: 200 });
export type Decimal = InstanceType<typeof Decimal>;

const DECIMAL_TEXT = new RegExp(`^-?\\d{1,${MAX_INTEGER_DIGITS}}(\\.\\d{1,${MAX_FRACTION_DIGITS}})?$`);

/**
 * True when text is a plain decimal in the range of metered values: up to 26 integer and 12 fraction
 * digits (what the router writes into meter records).
 * To read a metered value (any decimal text, exponents included), use readDecimal (decimal-text.ts).
 */
export function isStorableDecimal(text: string): boolean {
  return DECIMAL_TEXT.test(text);
}

/**
 * Converts a metadata value (string or JSON number) to an exact decimal, or undefined when it is not a
 * decimal by the grammar of decimal-text.ts. No range applies (filters compare any decimal).
 */
export function toDecimal(value: string | number | boolean): Decimal | undefined {
  if (typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? new Decimal(value) : undefined;
  const text = value.trim();
  if (!DECIMAL_GRAMMAR.test(text)) return undefined;
  return new Decimal(text);
}

/** Plain decimal text without exponent, trailing zeros removed. */
export function decimalText(value: Decimal): string {
  return value.toFixed();
}
