import DecimalJs from 'decimal.js';

/**
 * Exact decimal arithmetic for quantities and money. A total has at most 76 significant digits
 * (ClickHouse Decimal(76, 12)) and a price at most 38 (26 integer, 12 fraction digits), so a charge,
 * their product, has at most 114: 160 significant digits keep every product and sum exact; rounding
 * happens only where we ask for it (pricing rounds once per invoice line, half-up).
 */
export const Decimal = DecimalJs.clone({ precision: 160, rounding: DecimalJs.ROUND_HALF_UP, toExpNeg: -200, toExpPos: 200 });
export type Decimal = InstanceType<typeof Decimal>;

const DECIMAL_TEXT = /^-?\d{1,26}(\.\d{1,12})?$/;

/** True when text is a plain decimal that fits Decimal(38, 12): up to 26 integer and 12 fraction digits. */
export function isStorableDecimal(text: string): boolean {
  return DECIMAL_TEXT.test(text);
}

/** Converts a metadata value (string or JSON number) to an exact decimal, or undefined when not numeric. */
export function toDecimal(value: string | number | boolean): Decimal | undefined {
  if (typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? new Decimal(value) : undefined;
  const text = value.trim();
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
  return new Decimal(text);
}

/** Plain decimal text without exponent, trailing zeros removed. */
export function decimalText(value: Decimal): string {
  return value.toFixed();
}
