import fc from 'fast-check';
import { isLosslessNumber, type LosslessNumber } from 'lossless-json';
import { MeterstreamError, readDecimal } from '@meterstream/domain';
import { parseJsonBody } from './json-body';

function refusal(text: string, form: 'exact' | 'plain'): MeterstreamError {
  try {
    parseJsonBody(text, form);
  } catch (error) {
    expect(error).toBeInstanceOf(MeterstreamError);
    return error as MeterstreamError;
  }
  throw new Error('expected the body to be refused');
}

/** The number's text as the exact form carries it: a LosslessNumber's text, or a JS number's String(). */
const textOf = (value: unknown) => (isLosslessNumber(value) ? (value as LosslessNumber).value : String(value));

describe('exact form (POST /events/ingest)', () => {
  it('keeps the source text of a number a double cannot hold (JSON.parse gives 12345678901234567000)', () => {
    const body = parseJsonBody('{"tokens": 12345678901234567890.5, "pi": 3.14159265358979323846}', 'exact') as Record<string, unknown>;
    expect(textOf(body.tokens)).toBe('12345678901234567890.5');
    expect(textOf(body.pi)).toBe('3.14159265358979323846');
    expect(String(JSON.parse('12345678901234567890.5'))).toBe('12345678901234567000');
  });

  // Oracle: BigInt arithmetic on the digits of the written number, independent of both parsers.
  it('gives every number the same exact value on the fast path and the lossless path', () => {
    const bigDecimal = (text: string): [bigint, number] => {
      const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([-+]?\d+))?$/.exec(text)!;
      const digits = BigInt(`${m[1]}${m[2]}${m[3] ?? ''}`);
      return [digits, (m[3]?.length ?? 0) - Number(m[4] ?? 0)];
    };
    const same = (a: string, b: string) => {
      const [da, sa] = bigDecimal(a);
      const [db, sb] = bigDecimal(b);
      const scale = Math.max(sa, sb, 0);
      return da * 10n ** BigInt(scale - sa) === db * 10n ** BigInt(scale - sb) || (da === 0n && db === 0n);
    };
    const number = fc
      .tuple(fc.boolean(), fc.stringMatching(/^(0|[1-9]\d{0,19})$/), fc.option(fc.stringMatching(/^\d{1,19}$/)), fc.option(fc.integer({ min: -400, max: 400 })))
      .map(([negative, whole, fraction, exponent]) => `${negative ? '-' : ''}${whole}${fraction === null ? '' : `.${fraction}`}${exponent === null ? '' : `e${exponent}`}`);
    fc.assert(
      fc.property(number, (text) => {
        const fast = parseJsonBody(`{"n":${text}}`, 'exact') as { n: unknown };
        const lossless = parseJsonBody(`{"n":${text},"pad":"1234567890123456"}`, 'exact') as { n: unknown };
        expect(isLosslessNumber(lossless.n)).toBe(true);
        expect(textOf(lossless.n)).toBe(text);
        // Whichever path a body takes, the number's exact value survives.
        expect(same(textOf(fast.n), text)).toBe(true);
        const a = readDecimal(textOf(fast.n));
        const b = readDecimal(text);
        expect(a).toEqual(b.ok ? b : expect.objectContaining({ ok: false, problem: b.problem }));
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses what Fastify refuses: empty bodies, broken JSON, prototype keys', () => {
    for (const form of ['exact', 'plain'] as const) {
      expect(refusal('', form).code).toBe('INVALID_JSON');
      expect(refusal('  ', form).code).toBe('INVALID_JSON');
      expect(refusal('{"events": [', form).code).toBe('INVALID_JSON');
      expect(refusal('{"a": {"__proto__": {"x": 1}}}', form).code).toBe('INVALID_JSON');
      expect(refusal('{"a": {"\\u005f_proto__": {"x": 1}}}', form).code).toBe('INVALID_JSON');
      expect(refusal('{"constructor": {"prototype": {"x": 1}}}', form).code).toBe('INVALID_JSON');
      expect(refusal('{"n": 12345678901234567890, "__proto__": {}}', form).code).toBe('INVALID_JSON');
    }
  });

  it('keeps the last value of a repeated key, as JSON.parse does, on both paths', () => {
    expect(parseJsonBody('{"a": 1, "a": 2}', 'exact')).toEqual({ a: 2 });
    expect(textOf((parseJsonBody('{"a": 1, "a": 12345678901234567890}', 'exact') as { a: unknown }).a)).toBe('12345678901234567890');
    expect(parseJsonBody('{"a": 1, "a": 2}', 'plain')).toEqual({ a: 2 });
  });

  it('strips a byte order mark', () => {
    expect(parseJsonBody('\ufeff{"a": "b"}', 'exact')).toEqual({ a: 'b' });
  });
});

describe('plain form (every other route)', () => {
  it('gives ordinary numbers as JavaScript numbers', () => {
    expect(parseJsonBody('{"a": 1, "b": 0.5, "c": 1e3, "d": -9007199254740991, "e": [0.1, 2.50]}', 'plain')).toEqual({ a: 1, b: 0.5, c: 1000, d: -9007199254740991, e: [0.1, 2.5] });
  });

  it('refuses a number a double cannot hold with 422 naming its field, instead of rounding it', () => {
    const error = refusal('{"price": {"amount": 12345678901234567890}, "tiers": [1, 0.12345678901234567891], "ok": 2}', 'plain');
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.errors).toEqual([
      { field: 'price.amount', message: expect.stringContaining('12345678901234567890') },
      { field: 'tiers[1]', message: expect.stringContaining('0.12345678901234567891') },
    ]);
    expect(refusal('{"n": 9007199254740993}', 'plain').errors).toEqual([{ field: 'n', message: expect.any(String) }]);
    expect(refusal('{"n": 1e400}', 'plain').errors).toEqual([{ field: 'n', message: expect.any(String) }]);
  });

  it('refuses an unpaired surrogate in a key or a value, naming where', () => {
    const error = refusal('{"name": "a\\ud800", "meta": {"k\\udbff": "v"}, "fine": "\\ud83d\\ude00"}', 'plain');
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.errors).toEqual([
      { field: 'name', message: expect.stringContaining('surrogate') },
      { field: 'meta.k\udbff', message: expect.stringContaining('surrogate') },
    ]);
    expect(parseJsonBody('{"fine": "\\ud83d\\ude00", "also": "\\\\ud800"}', 'plain')).toEqual({ fine: '😀', also: '\\ud800' });
  });
});
