/**
 * The one grammar and range of decimal numbers in metadata (docs/numbers.md). The gateway reads every
 * JSON number of an event's metadata with it, and the value a sum, max or last meter reads; the router
 * reads the same values with it; filters decide with its grammar whether a value is numeric.
 *
 * Grammar (after surrounding whitespace is removed):
 *
 *   decimal  = [ "-" | "+" ] ( digits [ "." [ digits ] ] | "." digits ) [ ( "e" | "E" ) [ "-" | "+" ] digits ]
 *   digits   = 1*( "0" … "9" )
 *
 * so "150", "-5", "+3", "007", ".5", "5.", "1.5e2" and every JSON number are decimals; "", "0x10",
 * "Infinity", "1,5" and "12abc" are not.
 *
 * Range of a metered value: written without exponent, with leading integer zeros and trailing fraction
 * zeros dropped, at most MAX_INTEGER_DIGITS integer digits and MAX_FRACTION_DIGITS fraction digits
 * (what ClickHouse's Decimal(38, 12) holds). A value outside it is refused, never rounded.
 *
 * The range is decided from the digits and the exponent as written, without expanding the number:
 * "1e999999999" is out of range after reading eleven characters, not after building a billion zeros.
 */
export const DECIMAL_GRAMMAR = /^([-+]?)(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([-+]?\d+))?$/;

export const MAX_INTEGER_DIGITS = 26;
export const MAX_FRACTION_DIGITS = 12;

export type DecimalReading =
  /** `text` is the value as plain decimal text: no exponent, no leading or trailing zeros, "0" for zero. */
  | { ok: true; text: string }
  | { ok: false; problem: 'not-a-decimal' | 'out-of-range'; message: string };

const RANGE = `at most ${MAX_INTEGER_DIGITS} integer and ${MAX_FRACTION_DIGITS} fraction digits`;

/** True when `text` (surrounding whitespace ignored) follows the decimal grammar. */
export function isDecimalText(text: string): boolean {
  return DECIMAL_GRAMMAR.test(text.trim());
}

/**
 * Reads `text` as a metered value: a decimal by the grammar, inside the range. Returns its plain,
 * canonical decimal text (exact: "1.50" → "1.5", "1.5e3" → "1500", "-0" → "0").
 */
export function readDecimal(text: string): DecimalReading {
  const match = DECIMAL_GRAMMAR.exec(text.trim());
  if (!match) return { ok: false, problem: 'not-a-decimal', message: `"${clip(text)}" is not a decimal number` };
  const [, sign, intPart, fracPart, bareFraction, exponentText] = match;
  const whole = intPart ?? '';
  const digits = whole + (fracPart ?? bareFraction ?? '');
  // The value is 0.<digits> × 10^point: `point` counts the digits before the decimal point.
  const first = firstNonZero(digits);
  if (first === digits.length) return { ok: true, text: '0' };
  let last = digits.length;
  while (digits.charCodeAt(last - 1) === 48) last--;
  const significant = digits.slice(first, last);
  // Exponents too long for a safe integer are out of range whatever they say (the value is not zero).
  if (exponentText !== undefined && exponentText.replace(/^[-+]?0*/, '').length > 15) return outOfRange(text);
  const point = whole.length - first + (exponentText === undefined ? 0 : Number(exponentText));
  const integerDigits = Math.max(point, 0);
  const fractionDigits = Math.max(significant.length - point, 0);
  if (integerDigits > MAX_INTEGER_DIGITS || fractionDigits > MAX_FRACTION_DIGITS) return outOfRange(text);
  let plain: string;
  if (point <= 0) plain = `0.${'0'.repeat(-point)}${significant}`;
  else if (point >= significant.length) plain = significant + '0'.repeat(point - significant.length);
  else plain = `${significant.slice(0, point)}.${significant.slice(point)}`;
  return { ok: true, text: sign === '-' ? `-${plain}` : plain };
}

function firstNonZero(digits: string): number {
  let i = 0;
  while (i < digits.length && digits.charCodeAt(i) === 48) i++;
  return i;
}

function outOfRange(text: string): DecimalReading {
  return { ok: false, problem: 'out-of-range', message: `${clip(text)} is outside the range of metered values (${RANGE})` };
}

/** Long text is shown by its start only (an error message must not echo a megabyte). */
function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
