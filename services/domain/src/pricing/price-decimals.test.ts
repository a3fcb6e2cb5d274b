import type { FieldError } from '../errors';
import { parsePlainDecimal, readPriceDecimal, type DecimalRule } from './price-decimals';

const problemOf = (text: unknown, rule: DecimalRule = { sign: 'nonNegative' }): string | undefined => {
  const errors: FieldError[] = [];
  readPriceDecimal(errors, 'f', text, rule);
  return errors[0]?.message;
};

describe('readPriceDecimal', () => {
  it('returns the exact value of plain decimal text that fits Decimal(38, 12)', () => {
    const errors: FieldError[] = [];
    expect(readPriceDecimal(errors, 'f', '12345678901234567890123456.123456789012', { sign: 'nonNegative' })?.toFixed()).toBe('12345678901234567890123456.123456789012');
    expect(errors).toEqual([]);
  });

  it('counts digits as written: 27 integer or 13 fraction digits do not fit, even as zeros', () => {
    expect(problemOf('123456789012345678901234567')).toBe('at most 26 integer digits, got 123456789012345678901234567');
    expect(problemOf('1.0000000000000')).toBe('at most 12 decimal places, got 1.0000000000000');
  });

  it('applies the sign rule after the text rules', () => {
    expect(problemOf('-1')).toBe('must not be negative, got -1');
    expect(problemOf('-0')).toBeUndefined();
    expect(problemOf('-1', { sign: 'any' })).toBeUndefined();
    expect(problemOf('0', { sign: 'positive' })).toBe('must be greater than 0');
    expect(problemOf('0.000000000001', { sign: 'positive' })).toBeUndefined();
  });

  it('explains an absent required field and accepts an absent optional one', () => {
    expect(problemOf(undefined, { sign: 'positive', required: 'required for the package model' })).toBe('expected plain decimal text, got nothing (required for the package model)');
    expect(problemOf(undefined, { sign: 'nonNegative', optional: true })).toBeUndefined();
    expect(problemOf(5)).toBe('expected plain decimal text, got 5');
    expect(problemOf('1e3')).toBe('expected plain decimal text, got "1e3"');
  });
});

describe('parsePlainDecimal', () => {
  it('takes usage of any size and refuses anything but plain decimal text', () => {
    expect(parsePlainDecimal('usage', '123456789012345678901234567890.1234567890123').toFixed()).toBe('123456789012345678901234567890.1234567890123');
    expect(() => parsePlainDecimal('usage', ' 1')).toThrow('usage: expected plain decimal text, got " 1"');
  });
});
