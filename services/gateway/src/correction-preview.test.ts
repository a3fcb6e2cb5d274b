import { invoiceId, type MeterUsageScope } from '@meterstream/common';
import { MeterIndex, type CatalogView, type CorrectionTarget, type Invoice, type InvoiceLine, type Meter, type Product, type Subscription } from '@meterstream/domain';
import { CorrectionPreviewer } from './correction-preview';
import { DEFAULT_INGEST_LIMITS } from './event-validator';

const DAY = 86_400_000;
const ANCHOR = Date.UTC(2026, 3, 1);
const EVENT_TIME = ANCHOR + 2 * DAY + 5000; // day 2 of the daily plan, April of the monthly one
const NOW = ANCHOR + 4 * DAY;

const meter = (id: string, event_name: string, aggregation: Meter['aggregation'], filter: Meter['filter'] = null): Meter => ({
  id,
  name: id,
  event_name,
  aggregation,
  measurement_unit: 'u',
  filter,
  archived: false,
  created_at: '',
  updated_at: '',
});
const METERS = [
  meter('m_jobs', 'job', { type: 'count' }),
  meter('m_peak_eu', 'job', { type: 'max', key: 'gb' }, { conjunction: 'and', clauses: [{ key: 'region', operator: 'equals', value: 'eu' }] }),
  meter('m_tokens', 'llm', { type: 'sum', key: 'tokens' }),
];
const product = (product_id: string, interval: 'Day' | 'Month', meters: [string, string][]): Product => ({
  product_id,
  name: product_id,
  price: {
    type: 'usage_based_price',
    currency: 'EUR',
    fixed_price: 0,
    payment_frequency_interval: interval,
    payment_frequency_count: 1,
    meters: meters.map(([meter_id, price_per_unit]) => ({ meter_id, price_per_unit, free_threshold: '0' })),
  },
});
const PRODUCTS = [product('p_day', 'Day', [['m_jobs', '10'], ['m_peak_eu', '2.5']]), product('p_month', 'Month', [['m_peak_eu', '0.333']])];
const sub = (subscription_id: string, product_id: string, customer_id = 'c'): Subscription => ({ subscription_id, customer_id, product_id, start: new Date(ANCHOR).toISOString() });
const SUBSCRIPTIONS = [sub('s_month', 'p_month'), sub('s_day', 'p_day'), sub('s_theirs', 'p_day', 'someone')];
const catalog = {
  get: (kind: string, id: string) => (kind === 'products' ? PRODUCTS.find((p) => p.product_id === id) : undefined),
  list: (kind: string) => (kind === 'subscriptions' ? SUBSCRIPTIONS : []),
} as unknown as CatalogView;

const day2 = { start: ANCHOR + 2 * DAY, end: ANCHOR + 3 * DAY };
const iso = (ms: number) => new Date(ms).toISOString();
const line = (type: InvoiceLine['type'], meter_id: string, units: string, adjusted?: { start: number; end: number }): InvoiceLine => ({
  type,
  meter_id,
  description: '',
  units_consumed: units,
  free_threshold: null,
  chargeable_units: null,
  price_per_unit: null,
  amount: '0',
  adjusted_period_start: adjusted ? iso(adjusted.start) : null,
  adjusted_period_end: adjusted ? iso(adjusted.end) : null,
});
const invoice = (period: { start: number; end: number }, lines: InvoiceLine[]): Invoice => ({
  id: invoiceId('s_day', period.start, period.end),
  subscription_id: 's_day',
  customer_id: 'c',
  product_id: 'p_day',
  currency: 'EUR',
  period_start: iso(period.start),
  period_end: iso(period.end),
  status: 'issued',
  lines,
  subtotal: '0',
  total: '0',
  issued_at: iso(period.end),
});
// Day 2 is invoiced (6 jobs, peak 4), and day 3's invoice adjusted its jobs by +1: 7 billed.
const INVOICES = [invoice(day2, [line('meter', 'm_jobs', '6'), line('meter', 'm_peak_eu', '4')]), invoice({ start: ANCHOR + 3 * DAY, end: ANCHOR + 4 * DAY }, [line('meter', 'm_jobs', '1'), line('adjustment', 'm_jobs', '1', day2)])];

const found: CorrectionTarget = { kind: 'found', voided: false, event_id: 'e1', customer_id: 'c', event_name: 'job', timestamp: EVENT_TIME, metadata: '{"gb":4,"region":"eu"}', amended: false };

function previewer(target: CorrectionTarget = found) {
  const reads: MeterUsageScope[] = [];
  const invoiceReads: [string, number][] = [];
  // Usage now and after, per meter and period start (the fake knows what the preview should ask).
  const usage = new Map([
    [`m_jobs ${day2.start}`, ['8', '8']],
    [`m_peak_eu ${day2.start}`, ['4', '3.5']],
    [`m_peak_eu ${ANCHOR}`, ['9', '9']],
  ]);
  const index = new MeterIndex(METERS);
  const p = new CorrectionPreviewer({
    targets: { find: async () => target },
    usage: {
      total: async (scope) => {
        reads.push(scope);
        const [now, after] = usage.get(`${scope.meterId} ${scope.start}`) ?? ['0', '0'];
        return scope.override ? after : now;
      },
    },
    invoices: {
      ofSubscriptionSince: async (id, from) => {
        invoiceReads.push([id, from]);
        return INVOICES.filter((i) => i.subscription_id === id && Date.parse(i.period_end) > from);
      },
    },
    catalog,
    meters: () => index,
    limits: DEFAULT_INGEST_LIMITS,
    backfillMaxAgeMs: 35 * DAY,
    clock: () => NOW,
  });
  return { p, reads, invoiceReads };
}

describe('CorrectionPreviewer', () => {
  it("amend: per meter the router would change, each of the customer's subscriptions pricing it, in the period holding the event", async () => {
    const { p, reads, invoiceReads } = previewer();
    const answer = await p.preview({ customer_id: 'c', event_id: 'e1', kind: 'amend', metadata: { gb: 7, region: 'us' } });
    expect(answer.event).toEqual({ event_id: 'e1', customer_id: 'c', event_name: 'job', timestamp: iso(EVENT_TIME), metadata: { gb: 4, region: 'eu' }, amended: false });
    expect(answer.metadata).toEqual({ gb: 7, region: 'us' });
    // The amended event still counts as a job (replace) and leaves the EU peak meter (its filter no longer passes).
    expect(answer.meters.map((m) => [m.meter_id, m.change, m.value])).toEqual([
      ['m_jobs', 'replace', null],
      ['m_peak_eu', 'remove', null],
    ]);
    expect(answer.meters[0].subscriptions).toEqual([
      // Invoiced: against the 7 jobs billed (6 + the adjustment of 1), not the 8 it holds now: 8 × 10 − 7 × 10.
      { subscription_id: 's_day', product_id: 'p_day', currency: 'EUR', period_start: iso(day2.start), period_end: iso(day2.end), usage_now: '8', usage_after: '8', invoiced: true, billed_units: '7', units_change: '1', amount_change: '10' },
    ]);
    expect(answer.meters[1].subscriptions).toEqual([
      // Subscriptions in id order. 3.5 × 2.5 = 8.75 → 9 against the 4 billed (10): −1.
      expect.objectContaining({ subscription_id: 's_day', period_start: iso(day2.start), usage_now: '4', usage_after: '3.5', invoiced: true, billed_units: '4', units_change: '-0.5', amount_change: '-1' }),
      // Monthly, open: 9 × 0.333 = 2.997 → 3 both before and after.
      expect.objectContaining({ subscription_id: 's_month', period_start: iso(ANCHOR), period_end: iso(Date.UTC(2026, 4, 1)), usage_now: '9', usage_after: '9', invoiced: false, billed_units: null, units_change: '0', amount_change: '0' }),
    ]);
    // "After" reads carry the event's record as the correction leaves it.
    const afterReads = reads.filter((r) => r.override).sort((a, b) => a.meterId.localeCompare(b.meterId) || b.start - a.start);
    expect(afterReads.map((r) => [r.meterId, r.start, r.override!.eventId, r.override!.timestamp, r.override!.after])).toEqual([
      ['m_jobs', day2.start, 'e1', EVENT_TIME, { value: '0', uniqueKey: null }],
      ['m_peak_eu', day2.start, 'e1', EVENT_TIME, null],
      ['m_peak_eu', ANCHOR, 'e1', EVENT_TIME, null],
    ]);
    // The stored invoices of each subscription are read once, from the period on.
    expect(invoiceReads.sort()).toEqual([
      ['s_day', day2.start],
      ['s_month', ANCHOR],
    ]);
  });

  it('void: removes the event from every active meter of its name', async () => {
    const answer = await previewer().p.preview({ customer_id: 'c', event_id: 'e1', kind: 'void' });
    expect(answer.metadata).toBeNull();
    expect(answer.meters.map((m) => [m.meter_id, m.change])).toEqual([
      ['m_jobs', 'remove'],
      ['m_peak_eu', 'remove'],
    ]);
  });

  it('refuses as the correction routes do, and an amend whose values a matching meter cannot read', async () => {
    const code = async (target: CorrectionTarget, body: Record<string, unknown> = { customer_id: 'c', event_id: 'e1', kind: 'void' }) =>
      (await previewer(target).p.preview(body).catch((e: { code: string }) => e)) as { code: string };
    expect((await code({ kind: 'none' })).code).toBe('EVENT_NOT_FOUND');
    expect((await code({ kind: 'of-another-customer' })).code).toBe('EVENT_OF_ANOTHER_CUSTOMER');
    expect((await code({ ...found, voided: true })).code).toBe('EVENT_VOIDED');
    expect((await code({ ...found, timestamp: NOW - 36 * DAY })).code).toBe('EVENT_OLDER_THAN_BACKFILL_LIMIT');
    expect(await code(found, { customer_id: 'c', event_id: 'e1', kind: 'amend', metadata: { gb: 'lots', region: 'eu' } })).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'metadata.gb' }] });
  });
});
