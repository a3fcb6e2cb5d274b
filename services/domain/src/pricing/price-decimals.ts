import { Decimal } from '../decimal';
import type { FieldError } from '../errors';

const PLAIN_DECIMAL = /^-?\d+(\.\d+)?$/;
/** Prices are stored as ClickHouse Decimal(38, 12): at most 26 integer and 12 fraction digits. */
export const MAX_PRICE_DECIMALS = 12;
const MAX_INTEGER_DIGITS = 26;

/** What a decimal field of a price must be besides plain, storable decimal text. */
export interface DecimalRule {
  /** `nonNegative`: ≥ 0 (prices, fees, thresholds); `positive`: > 0 (package size); `any`: no sign rule (tier bounds). */
  sign: 'nonNegative' | 'positive' | 'any';
  /** When set, the field may be absent; otherwise absence is a problem, explained by `required`. */
  optional?: boolean;
  /** Why an absent field is needed, e.g. "required for the package model: units per package". */
  required?: string;
}

/**
 * Checks one decimal field of a meter price and returns its value, or pushes the problem (naming
 * `field`) and returns undefined. Absent optional fields give undefined without a problem.
 */
export function readPriceDecimal(errors: FieldError[], field: string, text: unknown, rule: DecimalRule): Decimal | undefined {
  const problem = decimalProblem(text, rule);
  if (problem) errors.push({ field, message: problem });
  return problem || text === undefined ? undefined : new Decimal(text as string);
}

function decimalProblem(text: unknown, rule: DecimalRule): string | undefined {
  if (text === undefined && rule.optional) return undefined;
  if (text === undefined) return `expected plain decimal text, got nothing (${rule.required ?? 'required'})`;
  if (typeof text !== 'string' || !PLAIN_DECIMAL.test(text)) return `expected plain decimal text, got ${JSON.stringify(text)}`;
  const value = new Decimal(text);
  if (rule.sign === 'nonNegative' && value.isNegative() && !value.isZero()) return `must not be negative, got ${text}`;
  if (fractionDigits(text) > MAX_PRICE_DECIMALS) return `at most ${MAX_PRICE_DECIMALS} decimal places, got ${text}`;
  if (integerDigits(text) > MAX_INTEGER_DIGITS) return `at most ${MAX_INTEGER_DIGITS} integer digits, got ${text}`;
  if (rule.sign === 'positive' && value.lte(0)) return 'must be greater than 0';
  return undefined;
}

const integerDigits = (text: string) => text.replace('-', '').split('.')[0].length;
const fractionDigits = (text: string) => text.split('.')[1]?.length ?? 0;

/** Parses usage (plain decimal text of any size) or throws an Error naming `field`. */
export function parsePlainDecimal(field: string, text: string): Decimal {
  if (typeof text !== 'string' || !PLAIN_DECIMAL.test(text)) throw new Error(`${field}: expected plain decimal text, got ${JSON.stringify(text)}`);
  return new Decimal(text);
}
