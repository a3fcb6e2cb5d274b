import fc from 'fast-check';
import { parseIsoTime } from './time';

describe('parseIsoTime', () => {
  it('agrees with Date.parse on every valid ISO 8601 time with a zone', () => {
    const two = (n: number) => String(n).padStart(2, '0');
    const valid = fc
      .record({
        date: fc.date({ min: new Date(Date.UTC(1000, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }),
        seconds: fc.boolean(),
        fraction: fc.option(fc.stringMatching(/^\d{1,9}$/), { nil: undefined }),
        zone: fc.oneof(fc.constant('Z'), fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.boolean())),
      })
      .map(({ date, seconds, fraction, zone }) => {
        const iso = date.toISOString();
        let text = iso.slice(0, 16);
        if (seconds) text += iso.slice(16, 19) + (fraction === undefined ? '' : `.${fraction}`);
        if (zone === 'Z') return `${text}Z`;
        const [sign, h, m, colon] = zone;
        return `${text}${sign}${two(h)}${colon ? ':' : ''}${two(m)}`;
      });
    fc.assert(
      fc.property(valid, (text) => {
        expect(parseIsoTime(text)).toBe(Date.parse(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('reads fractions as milliseconds, dropping further digits', () => {
    expect(parseIsoTime('2026-11-24T10:00:00.5Z')).toBe(Date.UTC(2026, 10, 24, 10, 0, 0, 500));
    expect(parseIsoTime('2026-11-24T10:00:00.05Z')).toBe(Date.UTC(2026, 10, 24, 10, 0, 0, 50));
    expect(parseIsoTime('2026-11-24T10:00:00.123999999Z')).toBe(Date.UTC(2026, 10, 24, 10, 0, 0, 123));
  });

  it('applies the zone offset', () => {
    expect(parseIsoTime('2026-11-24T10:00:00+01:30')).toBe(Date.UTC(2026, 10, 24, 8, 30));
    expect(parseIsoTime('2026-11-24T10:00-0500')).toBe(Date.UTC(2026, 10, 24, 15, 0));
  });

  it('refuses impossible dates and times instead of rolling them over', () => {
    for (const text of ['2026-02-29T00:00:00Z', '2026-02-30T00:00:00Z', '2026-04-31T00:00:00Z', '2026-13-01T00:00:00Z', '2026-00-10T00:00:00Z', '2026-01-00T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T10:60:00Z', '2026-01-01T10:00:60Z', '2026-01-01T10:00:00+24:00', '2026-01-01T10:00:00+01:60']) {
      expect(parseIsoTime(text)).toBeUndefined();
    }
    expect(parseIsoTime('2028-02-29T00:00:00Z')).toBe(Date.UTC(2028, 1, 29));
    expect(parseIsoTime('2000-02-29T00:00:00Z')).toBe(Date.UTC(2000, 1, 29));
    expect(parseIsoTime('2100-02-29T00:00:00Z')).toBeUndefined();
  });

  it('refuses text without a zone, dates alone and other shapes', () => {
    for (const text of ['2026-11-24T10:00:00', '2026-11-24', '2026-11-24 10:00:00Z', '1732442400000', '', 'yesterday', '2026-11-24T10:00:00.Z', '2026-11-24T10:00:00.1234567890Z']) {
      expect(parseIsoTime(text)).toBeUndefined();
    }
  });

  it('reads years below 100 as themselves', () => {
    expect(new Date(parseIsoTime('0050-06-01T00:00:00Z')!).getUTCFullYear()).toBe(50);
  });
});
