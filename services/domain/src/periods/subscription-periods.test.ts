import { cancellation, currentPeriod, elapsedPeriods, openPeriod, periodHolding, periodsOverlapping, type BillingCycle } from './subscription-periods';

const t = (iso: string) => Date.parse(iso);
const MONTHLY: BillingCycle = { payment_frequency_interval: 'Month', payment_frequency_count: 1 };
const sub = (start: string, ends_at: string | null = null) => ({ start, ends_at });
const spans = (periods: { start: number; end: number }[]) => periods.map((p) => [new Date(p.start).toISOString(), new Date(p.end).toISOString()]);

describe('elapsedPeriods', () => {
  it('lists every period begun by now, most recent first, the current one whole', () => {
    expect(spans(elapsedPeriods(sub('2026-01-31T00:00:00Z'), MONTHLY, t('2026-03-31T00:00:00Z')))).toEqual([
      ['2026-03-31T00:00:00.000Z', '2026-04-30T00:00:00.000Z'],
      ['2026-02-28T00:00:00.000Z', '2026-03-31T00:00:00.000Z'],
      ['2026-01-31T00:00:00.000Z', '2026-02-28T00:00:00.000Z'],
    ]);
    // One millisecond earlier the third period has not begun.
    expect(elapsedPeriods(sub('2026-01-31T00:00:00Z'), MONTHLY, t('2026-03-30T23:59:59.999Z'))).toHaveLength(2);
  });

  it('stops at ends_at and cuts the last period short there, as billing closes it', () => {
    const ended = sub('2026-01-01T00:00:00Z', '2026-02-10T12:00:00.000Z');
    expect(spans(elapsedPeriods(ended, MONTHLY, t('2026-06-01T00:00:00Z')))).toEqual([
      ['2026-02-01T00:00:00.000Z', '2026-02-10T12:00:00.000Z'],
      ['2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z'],
    ]);
    // Ended exactly at a period end: no empty period after it.
    expect(elapsedPeriods(sub('2026-01-01T00:00:00Z', '2026-02-01T00:00:00.000Z'), MONTHLY, t('2026-06-01T00:00:00Z'))).toHaveLength(1);
    // Ended at its start: no period at all.
    expect(elapsedPeriods(sub('2026-01-01T00:00:00Z', '2026-01-01T00:00:00.000Z'), MONTHLY, t('2026-06-01T00:00:00Z'))).toEqual([]);
  });

  it('has no period before the start', () => {
    expect(elapsedPeriods(sub('2026-01-01T00:00:00Z'), MONTHLY, t('2025-12-31T23:59:59Z'))).toEqual([]);
  });
});

describe('open and current period', () => {
  it('is the period containing now, clipped to a scheduled end', () => {
    const weekly: BillingCycle = { payment_frequency_interval: 'Week', payment_frequency_count: 2 };
    expect(spans([openPeriod(sub('2026-01-01T00:00:00Z'), weekly, t('2026-01-20T00:00:00Z'))!])).toEqual([['2026-01-15T00:00:00.000Z', '2026-01-29T00:00:00.000Z']]);
    expect(spans([openPeriod(sub('2026-01-01T00:00:00Z', '2026-01-22T00:00:00.000Z'), weekly, t('2026-01-20T00:00:00Z'))!])).toEqual([
      ['2026-01-15T00:00:00.000Z', '2026-01-22T00:00:00.000Z'],
    ]);
  });

  it('is none once the subscription ended; the current period is then the last one', () => {
    const ended = sub('2026-01-01T00:00:00Z', '2026-01-20T00:00:00.000Z');
    expect(openPeriod(ended, MONTHLY, t('2026-01-20T00:00:00Z'))).toBeNull();
    expect(spans([currentPeriod(ended, MONTHLY, t('2026-05-01T00:00:00Z'))!])).toEqual([['2026-01-01T00:00:00.000Z', '2026-01-20T00:00:00.000Z']]);
  });
});

describe('periodsOverlapping', () => {
  const periods = elapsedPeriods(sub('2026-01-01T00:00:00Z'), MONTHLY, t('2026-03-15T00:00:00Z'));

  it('keeps periods that overlap [from, to], both inclusive', () => {
    expect(spans(periodsOverlapping(periods, t('2026-02-01T00:00:00Z'))).map(([s]) => s)).toEqual(['2026-03-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z']);
    expect(spans(periodsOverlapping(periods, t('2026-01-31T23:59:59Z'), t('2026-02-01T00:00:00Z'))).map(([s]) => s)).toEqual([
      '2026-02-01T00:00:00.000Z',
      '2026-01-01T00:00:00.000Z',
    ]);
    expect(periodsOverlapping(periods, undefined, t('2025-12-31T00:00:00Z'))).toEqual([]);
    expect(periodsOverlapping(periods)).toEqual(periods);
  });
});

describe('cancellation', () => {
  const now = t('2026-02-10T08:00:00Z');
  const active = sub('2026-01-05T00:00:00Z');

  it('ends at the end of the open period, or now when immediate', () => {
    // The period containing now is [Feb 5, Mar 5).
    expect(cancellation(active, MONTHLY, now, false)).toEqual({ ends_at: '2026-03-05T00:00:00.000Z', cancel_at_period_end: true, cancelled_at: '2026-02-10T08:00:00.000Z' });
    expect(cancellation(active, MONTHLY, t('2026-02-04T23:59:59.999Z'), false)?.ends_at).toBe('2026-02-05T00:00:00.000Z');
    expect(cancellation(active, MONTHLY, now, true)).toEqual({ ends_at: '2026-02-10T08:00:00.000Z', cancel_at_period_end: false, cancelled_at: '2026-02-10T08:00:00.000Z' });
  });

  it('changes nothing for an ended subscription or a repeated period-end cancel; immediate brings the end forward', () => {
    const scheduled = sub('2026-01-05T00:00:00Z', '2026-03-05T00:00:00.000Z');
    expect(cancellation(scheduled, MONTHLY, now, false)).toBeNull();
    expect(cancellation(scheduled, MONTHLY, now, true)?.ends_at).toBe('2026-02-10T08:00:00.000Z');
    expect(cancellation(sub('2026-01-05T00:00:00Z', '2026-02-01T00:00:00.000Z'), MONTHLY, now, true)).toBeNull();
  });
});

describe('periodHolding', () => {
  it('is the period that holds the time, clipped at the end, and null outside the subscription', () => {
    const s = sub('2026-01-31T00:00:00Z', '2026-03-10T12:00:00.000Z');
    expect(spans([periodHolding(s, MONTHLY, t('2026-02-28T00:00:00Z'))!])).toEqual([['2026-02-28T00:00:00.000Z', '2026-03-10T12:00:00.000Z']]);
    expect(spans([periodHolding(s, MONTHLY, t('2026-02-27T23:59:59.999Z'))!])).toEqual([['2026-01-31T00:00:00.000Z', '2026-02-28T00:00:00.000Z']]);
    expect(periodHolding(s, MONTHLY, t('2026-01-30T23:59:59.999Z'))).toBeNull();
    expect(periodHolding(s, MONTHLY, t('2026-03-10T12:00:00.000Z'))).toBeNull();
  });
});
