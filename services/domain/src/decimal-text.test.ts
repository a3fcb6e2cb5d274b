import fc from 'fast-check';
import { isDecimalText, MAX_FRACTION_DIGITS, MAX_INTEGER_DIGITS, readDecimal } from './decimal-text';

const textOf = (input: string) => {
  const reading = readDecimal(input);
  if (!reading.ok) throw new Error(`expected a decimal, got ${reading.problem}: ${reading.message}`);
  return reading.text;
};
const problemOf = (input: string) => {
  const reading = readDecimal(input);
  return reading.ok ? `ok ${reading.text}` : reading.problem;
};

describe('decimal grammar', () => {
  it.each(['150', '-5', '+3', '007', '.5', '5.', '1.5e2', '2.5E-1', ' 150 ', '0', '-0', '1e+3'])('%j is a decimal', (text) => {
    expect(isDecimalText(text)).toBe(true);
  });
  it.each(['', ' ', '-', '.', 'e3', '1e', '0x10', 'Infinity', 'NaN', '1,5', '12abc', '1 000', '--1', '1.2.3', '١٢'])('%j is not a decimal', (text) => {
    expect(isDecimalText(text)).toBe(false);
    expect(problemOf(text)).toBe('not-a-decimal');
  });
});

describe('readDecimal: canonical plain text of a value in range', () => {
  it.each([
    ['150', '150'],
    ['1.50', '1.5'],
    ['007', '7'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['-0', '0'],
    ['-0.000', '0'],
    ['+3', '3'],
    ['1e3', '1000'],
    ['1.5e2', '150'],
    ['2.5e-1', '0.25'],
    ['-1234.5e-3', '-1.2345'],
    ['0.000001e-6', '0.000000000001'],
    ['12345678901234567890.5', '12345678901234567890.5'],
    ['1.50000000000000000000', '1.5'],
    ['0e999999999999999999999', '0'],
  ])('%j is %j', (input, expected) => {
    expect(textOf(input)).toBe(expected);
  });

  it('accepts the edges of the range and refuses one digit more', () => {
    const widest = `${'9'.repeat(MAX_INTEGER_DIGITS)}.${'9'.repeat(MAX_FRACTION_DIGITS)}`;
    expect(textOf(widest)).toBe(widest);
    expect(textOf(`-${widest}`)).toBe(`-${widest}`);
    expect(problemOf(`1${'0'.repeat(MAX_INTEGER_DIGITS)}`)).toBe('out-of-range');
    expect(problemOf(`0.${'0'.repeat(MAX_FRACTION_DIGITS)}1`)).toBe('out-of-range');
    expect(problemOf('1e26')).toBe('out-of-range');
    expect(textOf('1e25')).toBe(`1${'0'.repeat(25)}`);
    expect(problemOf('1e-13')).toBe('out-of-range');
    expect(textOf('1e-12')).toBe('0.000000000001');
  });

  it('decides huge exponents without expanding them', () => {
    // Expanding any of these would need a string longer than V8 allows (2^29 characters): it would throw.
    for (const text of ['1e999999999', '1e-999999999', '9e99999999999999999999999', '1e-99999999999999999999999']) {
      expect(problemOf(text)).toBe('out-of-range');
    }
  });

  it('keeps a long message short', () => {
    const reading = readDecimal(`1${'0'.repeat(100000)}`);
    expect(reading.ok).toBe(false);
    expect(!reading.ok && reading.message.length).toBeLessThan(200);
  });

  // Oracle: BigInt scaled by 10^12, built from the digits independently of readDecimal.
  it('agrees with a BigInt reading of random plain and exponent forms', () => {
    const scale = 10n ** BigInt(MAX_FRACTION_DIGITS);
    const limit = 10n ** BigInt(MAX_INTEGER_DIGITS) * scale;
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: -30, max: 30 }),
        (units, shownScale, exponent) => {
          // The text is units × 10^-shownScale written with exponent `exponent`.
          const negative = units < 0n;
          const digits = (negative ? -units : units).toString().padStart(shownScale + 1, '0');
          const mantissa = shownScale === 0 ? digits : `${digits.slice(0, -shownScale)}.${digits.slice(-shownScale)}`;
          const text = `${negative ? '-' : ''}${mantissa}e${exponent}`;
          // Exact value as units12 × 10^-12 when it has at most 12 fraction digits.
          const power = exponent - shownScale + MAX_FRACTION_DIGITS;
          const inRangeScale = power >= 0 || units % 10n ** BigInt(-power) === 0n;
          const reading = readDecimal(text);
          if (!inRangeScale) return expect(reading.ok).toBe(false);
          const units12 = power >= 0 ? units * 10n ** BigInt(power) : units / 10n ** BigInt(-power);
          const abs = units12 < 0n ? -units12 : units12;
          if (abs >= limit) return expect(reading.ok).toBe(false);
          expect(reading.ok).toBe(true);
          if (!reading.ok) return;
          const [intPart, frac = ''] = reading.text.replace('-', '').split('.');
          const back = (BigInt(intPart) * scale + BigInt(frac.padEnd(MAX_FRACTION_DIGITS, '0'))) * (reading.text.startsWith('-') ? -1n : 1n);
          expect(back).toBe(units12);
          expect(reading.text).toMatch(/^-?(0|[1-9]\d*)(\.\d*[1-9])?$/);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
