import { readsByPeriod } from './period-reads';

const day = (n: number) => ({ start: `2026-01-${String(n).padStart(2, '0')}T00:00:00.000Z`, end: `2026-01-${String(n + 1).padStart(2, '0')}T00:00:00.000Z` });

describe('readsByPeriod', () => {
  it('reads each distinct period once for every customer and meter that needs it', () => {
    const reads = readsByPeriod([
      { customerId: 'a', meterIds: ['m1'], periods: [day(1), day(2), day(3)] },
      { customerId: 'b', meterIds: ['m1', 'm2'], periods: [day(2), day(3)] },
      { customerId: 'a', meterIds: ['m3'], periods: [day(3)] }, // a second subscription of a
    ]);
    expect(reads).toEqual([
      { ...day(1), customerIds: ['a'], meterIds: ['m1'] },
      { ...day(2), customerIds: ['a', 'b'], meterIds: ['m1', 'm2'] },
      { ...day(3), customerIds: ['a', 'b'], meterIds: ['m1', 'm2', 'm3'] },
    ]);
  });

  it('keeps periods with the same start and another end apart (a period cut short at a cancellation)', () => {
    const cut = { start: day(1).start, end: '2026-01-01T12:00:00.000Z' };
    expect(readsByPeriod([{ customerId: 'a', meterIds: ['m'], periods: [day(1)] }, { customerId: 'b', meterIds: ['m'], periods: [cut] }])).toHaveLength(2);
  });

  it('reads nothing without periods', () => {
    expect(readsByPeriod([{ customerId: 'a', meterIds: ['m'], periods: [] }])).toEqual([]);
  });
});
