import type { Invoice, InvoiceLine } from '../model/invoice';
import { InvoiceLedger } from './invoice-ledger';
import { correctionsToList, lateUsage, lateUsageSince, listCorrections } from './late-usage';

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

  it('looks back max(dedup window, backfill max age) before the closing period starts', () => {
    const start = Date.parse(FEB.end);
    expect(lateUsageSince(start, 120 * MINUTE, 35 * DAY)).toBe(start - 35 * DAY);
    expect(lateUsageSince(start, 120 * MINUTE, 60 * MINUTE)).toBe(start - 120 * MINUTE);
  });

  it('holds every period ending within lookback + grace before the close, not those that aged out before the previous close (daily plan)', () => {
    const grace = 60 * MINUTE;
    const periodStart = Date.UTC(2026, 3, 10);
    const now = periodStart + DAY + grace; // the close of [Apr 10, Apr 11)
    const since = lateUsageSince(periodStart, 120 * MINUTE, 35 * DAY);
    expect(since).toBeLessThanOrEqual(now - (35 * DAY + grace));
    // [Mar 4, Mar 5): its last event could be backfilled until Apr 8 (35 days), before the previous
    // close on Apr 10 + grace, which billed it: not read again.
    expect(Date.UTC(2026, 2, 5) >= since).toBe(false);
    expect(Date.UTC(2026, 2, 6) >= since).toBe(true);
  });

  it('keeps a monthly period whose backfill landed after the previous close (the horizon does not follow now)', () => {
    const limit = 35 * DAY;
    const grace = 60 * MINUTE;
    // January [Jan 1, Feb 1) was invoiced on Feb 1; February's close ran on Mar 1 + grace. On Mar 4 an
    // event of Jan 31 is backfilled (32 days old: accepted). It must be billed by March's close on Apr 1.
    const janEnd = Date.UTC(2026, 1, 1);
    const closeOfMarch = Date.UTC(2026, 3, 1) + grace;
    expect(lateUsageSince(Date.UTC(2026, 2, 1), 120 * MINUTE, limit)).toBeLessThanOrEqual(janEnd);
    // What a horizon measured from now would have done: January falls out, the backfill is never billed.
    expect(closeOfMarch - (limit + grace)).toBeGreaterThan(janEnd);
  });

  it('keeps checking a period invoiced weeks ago, which a backfill or a correction can still change', () => {
    // Daily periods, closing [now − 1 day, now): the one ending 34 days before now can still receive a
    // backfill 35 days old (and a void or amend of its events); the one that ended 37 days ago no longer can.
    const now = Date.parse('2026-03-10T00:00:00.000Z');
    const day = (daysAgo: number) => ({ start: new Date(now - (daysAgo + 1) * DAY).toISOString(), end: new Date(now - daysAgo * DAY).toISOString() });
    const ledger = new InvoiceLedger();
    for (const daysAgo of [37, 34, 3]) ledger.record(invoice(`inv_${daysAgo}`, day(daysAgo).start, day(daysAgo).end, [line('m_calls', '1')]));
    const since = lateUsageSince(now - DAY, 120 * MINUTE, 35 * DAY);
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
    expect(late).toEqual([{ periodStart: FEB.start, periodEnd: FEB.end, meterId: 'm_calls', billed: '7', current: '7.5', corrections: [] }]);
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

describe('correctionsToList', () => {
  it('lists each stored id once, sorted, except those listed before and the empty id', () => {
    expect(correctionsToList(['cor_b', 'bf_1', 'cor_b', '', 'cor_a', 'Z'], new Set(['cor_a']))).toEqual(['Z', 'bf_1', 'cor_b']);
    expect(correctionsToList([])).toEqual([]);
  });
});

describe('listCorrections', () => {
  it("gives each adjustment the ids of its period and meter that no earlier line of that period listed", () => {
    const ledger = new InvoiceLedger();
    const listedLine = (meter: string, units: string, ids: string[], adjusted?: { start: string; end: string }) => ({ ...line(meter, units, adjusted), corrections: ids });
    ledger.record(invoice('inv_jan', JAN.start, JAN.end, [listedLine('m_calls', '10', ['bf_early']), listedLine('m_tokens', '5', [])]));
    ledger.record(invoice('inv_feb', FEB.start, FEB.end, [listedLine('m_calls', '7', []), listedLine('m_calls', '-1', ['cor_1'], JAN)]));
    const billed = ledger.periodsSince('sub_1', 0);
    const late = lateUsage(billed, ['m_calls', 'm_tokens'], (p, m) => (p.start === JAN.start ? (m === 'm_calls' ? '8' : '6') : p.start === FEB.start && m === 'm_calls' ? '7' : '0'));
    const stored = new Map([
      [`${JAN.start} m_calls`, ['bf_early', 'cor_1', 'cor_2']],
      [`${JAN.start} m_tokens`, ['cor_1']],
    ]);
    const listed = listCorrections(late, billed, (item) => stored.get(`${item.periodStart} ${item.meterId}`) ?? []);
    // January's calls: bf_early was listed by its meter line, cor_1 by February's adjustment; cor_2 is new.
    // Its tokens: cor_1 was listed for calls only, so tokens list it.
    expect(listed.map((l) => [l.periodStart, l.meterId, l.corrections])).toEqual([
      [JAN.start, 'm_calls', ['cor_2']],
      [JAN.start, 'm_tokens', ['cor_1']],
    ]);
  });
});
