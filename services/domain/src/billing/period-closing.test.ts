import type { Product, Subscription } from '../model/catalog';
import { invoiceUsage, periodsToClose, type ClosingPeriod, type DuePeriodsOf } from './period-closing';

const DAY = 86_400_000;
const ANCHOR = Date.UTC(2026, 0, 1);

const product = (product_id: string, meters: string[] = ['m_calls']): Product => ({
  product_id,
  name: product_id,
  price: {
    type: 'usage_based_price',
    currency: 'USD',
    fixed_price: 0,
    payment_frequency_interval: 'Day',
    payment_frequency_count: 10,
    meters: meters.map((meter_id) => ({ meter_id, price_per_unit: '1', free_threshold: '0' })),
  },
});

const subscription = (id: string, product_id: string, overrides: Partial<Subscription> = {}): Subscription => ({
  subscription_id: id,
  customer_id: `cus_${id}`,
  product_id,
  start: new Date(ANCHOR).toISOString(),
  ...overrides,
});

/** A stand-in calendar: `count` days per period from the anchor (the real one is billing-periods.ts). */
const duePeriods: DuePeriodsOf<ClosingPeriod> = (anchor, _interval, count, now, graceMs, endsAt) => {
  const out: ClosingPeriod[] = [];
  for (let start = anchor; ; start += count * DAY) {
    if (endsAt !== null && start >= endsAt) break;
    const end = endsAt !== null ? Math.min(start + count * DAY, endsAt) : start + count * DAY;
    if (end > now - graceMs) break;
    out.push({ start, end });
  }
  return out;
};

const products = new Map([['p_10d', product('p_10d')]]);
const input = (subscriptions: Subscription[], invoiced: string[] = [], now = ANCHOR + 25 * DAY) => ({
  subscriptions,
  productOf: (id: string) => products.get(id),
  isInvoiced: (subscriptionId: string, period: ClosingPeriod) => invoiced.includes(`${subscriptionId}@${period.start}`),
  duePeriods,
  now,
  graceMs: DAY,
});

const summary = (groups: ReturnType<typeof periodsToClose>) =>
  groups.map((g) => g.map((d) => `${d.subscription.subscription_id}:${(d.period.start - ANCHOR) / DAY}-${(d.period.end - ANCHOR) / DAY}`));

describe('periodsToClose', () => {
  it('closes every period whose end plus grace has passed, grouped by period', () => {
    expect(summary(periodsToClose(input([subscription('a', 'p_10d'), subscription('b', 'p_10d')])))).toEqual([
      ['a:0-10', 'b:0-10'],
      ['a:10-20', 'b:10-20'],
    ]);
  });

  it('leaves a period open until its grace has passed', () => {
    expect(summary(periodsToClose(input([subscription('a', 'p_10d')], [], ANCHOR + 20 * DAY + DAY - 1)))).toEqual([['a:0-10']]);
  });

  it('skips periods already invoiced (groups come in the order first met)', () => {
    expect(summary(periodsToClose(input([subscription('a', 'p_10d'), subscription('b', 'p_10d')], [`a@${ANCHOR}`])))).toEqual([['a:10-20', 'b:10-20'], ['b:0-10']]);
  });

  it("ends a cancelled subscription's last period at ends_at", () => {
    const cancelled = subscription('a', 'p_10d', { ends_at: new Date(ANCHOR + 14 * DAY).toISOString() });
    expect(summary(periodsToClose(input([cancelled])))).toEqual([['a:0-10'], ['a:10-14']]);
  });

  it('skips a subscription whose product the catalog lacks', () => {
    expect(periodsToClose(input([subscription('a', 'p_gone')]))).toEqual([]);
  });

  it('groups 60,000 subscriptions that share a period, in order, each once', () => {
    // The close's cost per subscription is measured by scripts/bench-billing.js (docs/benchmarks.md),
    // not timed here: 100,000 subscriptions of one period took 79 s when each append copied the group.
    const many = Array.from({ length: 60_000 }, (_, i) => subscription(`s${i}`, 'p_10d'));
    const groups = periodsToClose(input(many));
    expect(groups.map((g) => g.length)).toEqual([60_000, 60_000]);
    expect(groups[0][59_999].subscription.subscription_id).toBe('s59999');
    expect(new Set(groups[1].map((due) => due.subscription.subscription_id)).size).toBe(60_000);
  });
});

describe('invoiceUsage', () => {
  it("prices each meter's total, and zero for a meter the catalog no longer has", () => {
    const totals = new Map([['m_calls', '42']]);
    expect(invoiceUsage(product('p', ['m_calls', 'm_gone']), (id) => totals.get(id))).toEqual(new Map([['m_calls', '42'], ['m_gone', '0']]));
  });
});
