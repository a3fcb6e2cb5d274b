import fc from 'fast-check';
import { parseIsoTime, toClickHouseTime } from './time';

/** The formula toClickHouseTime replaced: its text is the reference. */
const viaIsoString = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

const DAY = 86_400_000;
const YEAR_1970 = Date.UTC(1970, 0, 1);
const YEAR_2300 = Date.UTC(2300, 0, 1);

describe('toClickHouseTime', () => {
  it('writes DateTime64(3) text', () => {
    expect(toClickHouseTime(0)).toBe('1970-01-01 00:00:00.000');
    expect(toClickHouseTime(Date.UTC(2026, 0, 31, 23, 59, 59, 999))).toBe('2026-01-31 23:59:59.999');
    expect(toClickHouseTime(Date.UTC(2026, 10, 24, 7, 5, 3, 42))).toBe('2026-11-24 07:05:03.042');
  });

  it('agrees with the toISOString formula on random times of 1970–2299', () => {
    fc.assert(
      fc.property(fc.integer({ min: YEAR_1970, max: YEAR_2300 - 1 }), (ms) => {
        expect(toClickHouseTime(ms)).toBe(viaIsoString(ms));
      }),
      { seed: 20260131, numRuns: 20_000 },
    );
  });

  it('agrees with it on runs of nearby times, as a flush writes them (same day, next day, day before)', () => {
    const run = fc.tuple(fc.integer({ min: YEAR_1970, max: YEAR_2300 - 1 }), fc.array(fc.integer({ min: -2 * DAY, max: 2 * DAY }), { minLength: 1, maxLength: 50 }));
    fc.assert(
      fc.property(run, ([start, steps]) => {
        let ms = start;
        for (const step of steps) {
          ms += step;
          expect(toClickHouseTime(ms)).toBe(viaIsoString(ms));
        }
      }),
      { seed: 7, numRuns: 2000 },
    );
  });

  it('agrees with it around every month and year boundary of 1970–2299, and on leap days', () => {
    for (let year = 1970; year < 2300; year++) {
      for (let month = 0; month < 12; month++) {
        const start = Date.UTC(year, month, 1);
        for (const ms of [start - 1, start, start + 1, start + DAY - 1, start + DAY]) expect(toClickHouseTime(ms)).toBe(viaIsoString(ms));
      }
    }
    expect(toClickHouseTime(Date.UTC(2024, 1, 29, 12))).toBe('2024-02-29 12:00:00.000');
    expect(toClickHouseTime(Date.UTC(2000, 1, 29, 23, 59, 59, 999))).toBe('2000-02-29 23:59:59.999');
    expect(toClickHouseTime(Date.UTC(2100, 1, 28, 23, 59, 59, 999) + 1)).toBe('2100-03-01 00:00:00.000');
    expect(toClickHouseTime(Date.UTC(2299, 11, 31, 23, 59, 59, 999))).toBe('2299-12-31 23:59:59.999');
  });

  it('agrees with it over the whole range of a Date: before 1970, years past 9999, fractions of a millisecond', () => {
    const LIMIT = 8.64e15;
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -LIMIT, max: LIMIT }), fc.double({ min: -LIMIT, max: LIMIT, noNaN: true })), (ms) => {
        expect(toClickHouseTime(ms)).toBe(viaIsoString(ms));
      }),
      { seed: 11, numRuns: 10_000 },
    );
    for (const ms of [-1, -DAY, -DAY - 1, -0, 0.9, -0.9, -1.5, LIMIT, -LIMIT, Date.UTC(10000, 0, 1), Date.UTC(-1, 11, 31, 23, 59, 59, 999), Date.UTC(-1, 11, 31, 23, 59, 59, 999) + 1]) expect(toClickHouseTime(ms)).toBe(viaIsoString(ms));
  });

  it('throws a RangeError where a Date cannot hold the time, as the formula does', () => {
    for (const ms of [Number.NaN, Infinity, -Infinity, 8.64e15 + 1, -8.64e15 - 1]) {
      expect(() => viaIsoString(ms)).toThrow(RangeError);
      expect(() => toClickHouseTime(ms)).toThrow(RangeError);
    }
  });
});

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
