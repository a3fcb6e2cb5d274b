import fc from 'fast-check';
import { splitUsageRange } from './usage-range';

const MINUTE = 60_000;
const T = Date.UTC(2026, 10, 29, 17, 19, 0, 0);

describe('splitUsageRange', () => {
  it('takes whole windows inside the range and records at both cut edges', () => {
    expect(splitUsageRange(T + 15_000, T + 3 * MINUTE + 1, MINUTE)).toEqual({ wholeStart: T + MINUTE, wholeEnd: T + 3 * MINUTE, start: T + 15_000, end: T + 3 * MINUTE + 1 });
  });

  it('reads only windows when both ends lie on window boundaries', () => {
    expect(splitUsageRange(T, T + 2 * MINUTE, MINUTE)).toEqual({ wholeStart: T, wholeEnd: T + 2 * MINUTE, start: T, end: T + 2 * MINUTE });
  });

  it('reads only records when no whole window fits', () => {
    expect(splitUsageRange(T + 1, T + MINUTE + 5, MINUTE)).toEqual({ wholeStart: T + MINUTE + 5, wholeEnd: T + MINUTE + 5, start: T + 1, end: T + MINUTE + 5 });
    expect(splitUsageRange(T + 10, T + 20, MINUTE)).toEqual({ wholeStart: T + 20, wholeEnd: T + 20, start: T + 10, end: T + 20 });
  });

  it('covers every millisecond of [start, end) exactly once (windows whole, records apart)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * MINUTE }), fc.integer({ min: 0, max: 10 * MINUTE }), fc.integer({ min: 0, max: 10 * MINUTE }), (a, length, probe) => {
        const start = T + a;
        const end = start + length;
        const s = splitUsageRange(start, end, MINUTE);
        const ms = T + probe;
        const windowStart = Math.floor(ms / MINUTE) * MINUTE;
        const byWindow = windowStart >= s.wholeStart && windowStart < s.wholeEnd;
        const byRecord = (ms >= s.start && ms < s.wholeStart) || (ms >= s.wholeEnd && ms < s.end);
        // A whole window lies entirely inside the range; a millisecond is read once, and only if inside.
        if (byWindow) expect(windowStart >= start && windowStart + MINUTE <= end).toBe(true);
        expect(Number(byWindow) + Number(byRecord)).toBe(ms >= start && ms < end ? 1 : 0);
      }),
      { numRuns: 5000 },
    );
  });
});
