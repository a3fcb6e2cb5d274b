import type { Invoice, InvoiceLine } from '../model/invoice';
import { InvoiceLedger } from './invoice-ledger';
import { lateUsage, lateUsageSince } from './late-usage';

const MINUTE = 60_000;

const line = (meter_id: string, units: string, adjusted?: { start: string; end: string }): InvoiceLine => ({
  type: adjusted ? 'adjustment' : 'meter',
  meter_id,
  description: meter_id,
  units_consumed: units,
  free_threshold: null,
  chargeable_units: null,
  price_per_unit: '1',
  amount: units,
  adjusted_period_start: adjusted?.start ?? null,
  adjusted_period_end: adjusted?.end ?? null,
});

const invoice = (id: string, start: string, end: string, lines: InvoiceLine[]): Invoice => ({
  id,
  subscription_id: 'sub_1',
  customer_id: 'cus_1',
  product_id: 'p',
  currency: 'USD',
  period_start: start,
  period_end: end,
  status: 'issued',
  lines,
  subtotal: '0',
  total: '0',
  issued_at: end,
});

const JAN = { start: '2026-01-01T00:00:00.000Z', end: '2026-02-01T00:00:00.000Z' };
const FEB = { start: '2026-02-01T00:00:00.000Z', end: '2026-03-01T00:00:00.000Z' };

describe('lateUsageSince', () => {
  const DAY = 24 * 60 * MINUTE;

  it('looks back the backfill limit plus the grace', () => {
    expect(lateUsageSince(Date.parse(FEB.end), { backfillMaxAgeMs: 35 * DAY, graceMs: 5 * MINUTE })).toBe(Date.parse(FEB.end) - 35 * DAY - 5 * MINUTE);
  });

  it('keeps checking a period invoiced weeks ago, which a backfill or a correction can still change', () => {
    // Daily periods; the one ending 34 days before now can still receive a backfill 35 days old (and a
    // void or amend of its events); the one that ended 36 days ago no longer can.
    const now = Date.parse('2026-03-10T00:00:00.000Z');
    const day = (daysAgo: number) => ({ start: new Date(now - (daysAgo + 1) * DAY).toISOString(), end: new Date(now - daysAgo * DAY).toISOString() });
    const ledger = new InvoiceLedger();
    for (const daysAgo of [36, 34, 3]) ledger.record(invoice(`inv_${daysAgo}`, day(daysAgo).start, day(daysAgo).end, [line('m_calls', '1')]));
    const since = lateUsageSince(now, { backfillMaxAgeMs: 35 * DAY, graceMs: 60 * MINUTE });
    expect(ledger.periodsSince('sub_1', since).map((p) => p.end)).toEqual([day(34).end, day(3).end]);
  });
});

describe('lateUsage', () => {
  const ledger = new InvoiceLedger();
  ledger.record(invoice('inv_jan', JAN.start, JAN.end, [line('m_calls', '10'), line('m_tokens', '5')]));
  ledger.record(invoice('inv_feb', FEB.start, FEB.end, [line('m_calls', '7'), line('m_calls', '2', JAN)]));

  it('reports each meter of an invoiced period whose total changed, against everything billed for it', () => {
    const current = new Map([
      [`${JAN.start} m_calls`, '12'],
      [`${JAN.start} m_tokens`, '5'],
      [`${FEB.start} m_calls`, '7.5'],
    ]);
    const late = lateUsage(ledger.periodsSince('sub_1', 0), ['m_calls', 'm_tokens'], (p, m) => current.get(`${p.start} ${m}`) ?? '0');
    // January billed 10 + 2 (February's adjustment line): 12 now is no change, nor are its 5 tokens.
    expect(late).toEqual([{ periodStart: FEB.start, periodEnd: FEB.end, meterId: 'm_calls', billed: '7', current: '7.5' }]);
  });

  it('compares decimals by value, not by text', () => {
    expect(lateUsage(ledger.periodsSince('sub_1', 0), ['m_calls'], (p) => (p.start === JAN.start ? '12.000' : '7'))).toEqual([]);
  });

  it('leaves a meter the catalog no longer has alone', () => {
    expect(lateUsage(ledger.periodsSince('sub_1', 0), ['m_calls'], () => undefined)).toEqual([]);
  });

  it('only considers periods ending at or after `since`', () => {
    expect(ledger.periodsSince('sub_1', Date.parse(FEB.end)).map((p) => p.start)).toEqual([FEB.start]);
    expect(ledger.periodsSince('sub_1', Date.parse(FEB.end) + 1)).toEqual([]);
  });
});
