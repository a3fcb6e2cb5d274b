import fc from 'fast-check';
import { clipPeriod, duePeriods, period, periodAt, periodStart, type Interval } from './billing-periods';

const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3600000;

describe('billing periods', () => {
  it('clamps monthly periods to the end of shorter months without drifting', () => {
    const anchor = Date.parse('2026-01-31T10:00:00Z');
    const starts = [0, 1, 2, 3, 12, 13].map((i) => iso(periodStart(anchor, 'Month', 1, i)));
    expect(starts).toEqual([
      '2026-01-31T10:00:00.000Z',
      '2026-02-28T10:00:00.000Z',
      '2026-03-31T10:00:00.000Z',
      '2026-04-30T10:00:00.000Z',
      '2027-01-31T10:00:00.000Z',
      '2027-02-28T10:00:00.000Z',
    ]);
    expect(iso(periodStart(Date.parse('2027-12-31T00:00:00Z'), 'Month', 2, 1))).toBe('2028-02-29T00:00:00.000Z'); // leap year
  });

  it('handles days, weeks, counts and years', () => {
    const anchor = Date.parse('2024-02-29T00:00:00Z');
    expect(iso(periodStart(anchor, 'Year', 1, 1))).toBe('2025-02-28T00:00:00.000Z');
    expect(iso(periodStart(anchor, 'Year', 1, 4))).toBe('2028-02-29T00:00:00.000Z');
    expect(iso(periodStart(anchor, 'Week', 2, 1))).toBe('2024-03-14T00:00:00.000Z');
    expect(iso(periodStart(anchor, 'Day', 3, 2))).toBe('2024-03-06T00:00:00.000Z');
  });

  it('lists due periods once their end plus grace has passed, with a partial final period', () => {
    const anchor = Date.parse('2026-01-15T00:00:00Z');
    const now = Date.parse('2026-04-15T00:30:00Z');
    const due = duePeriods(anchor, 'Month', 1, now, HOUR);
    expect(due.map((p) => [iso(p.start), iso(p.end)])).toEqual([
      ['2026-01-15T00:00:00.000Z', '2026-02-15T00:00:00.000Z'],
      ['2026-02-15T00:00:00.000Z', '2026-03-15T00:00:00.000Z'],
    ]); // the period ending 04-15 00:00 is in its grace hour
    expect(duePeriods(anchor, 'Month', 1, now + HOUR, HOUR)).toHaveLength(3);
    const ended = duePeriods(anchor, 'Month', 1, now, HOUR, Date.parse('2026-02-20T12:00:00Z'));
    expect(ended.map((p) => [iso(p.start), iso(p.end)])).toEqual([
      ['2026-01-15T00:00:00.000Z', '2026-02-15T00:00:00.000Z'],
      ['2026-02-15T00:00:00.000Z', '2026-02-20T12:00:00.000Z'],
    ]);
  });

  it('makes periods contiguous and finds the period of any instant (property)', () => {
    const intervals: Interval[] = ['Day', 'Week', 'Month', 'Year'];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('2000-01-01T00:00:00Z'), max: Date.parse('2040-01-01T00:00:00Z') }),
        fc.constantFrom(...intervals),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 40 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (anchor, interval, count, index, fraction) => {
          const p = period(anchor, interval, count, index);
          const next = period(anchor, interval, count, index + 1);
          expect(p.end).toBe(next.start);
          expect(p.end).toBeGreaterThan(p.start);
          const at = p.start + Math.floor((p.end - p.start - 1) * fraction);
          expect(periodAt(anchor, interval, count, at)).toEqual(p);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('clipPeriod', () => {
  it("cuts a period at the subscription's end and leaves it whole while it runs", () => {
    const p = { index: 3, start: Date.UTC(2026, 2, 1), end: Date.UTC(2026, 3, 1) };
    expect(clipPeriod(p, null)).toEqual(p);
    expect(clipPeriod(p, Date.UTC(2026, 2, 10))).toEqual({ ...p, end: Date.UTC(2026, 2, 10) });
    expect(clipPeriod(p, Date.UTC(2026, 5, 1))).toEqual(p);
  });
});
