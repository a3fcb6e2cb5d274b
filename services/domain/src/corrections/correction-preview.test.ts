import type { MeterPrice, Product, Subscription } from '../model/catalog';
import type { MeterRecord } from '../model/meter';
import { periodEffect, previewSlots, recordAfter } from './correction-preview';

const price: MeterPrice = { meter_id: 'm_peak', price_per_unit: '12.5', free_threshold: '0' };
const DAY = 86_400_000;
const ANCHOR = Date.UTC(2026, 0, 1, 6);
const product = (product_id: string, meters: string[], interval: 'Day' | 'Month' = 'Day'): Product => ({
  product_id,
  name: product_id,
  price: { type: 'usage_based_price', currency: 'USD', fixed_price: 0, payment_frequency_interval: interval, payment_frequency_count: 1, meters: meters.map((meter_id) => ({ meter_id, price_per_unit: '1', free_threshold: '0' })) },
});
const sub = (subscription_id: string, product_id: string, customer_id = 'c', ends_at: string | null = null): Subscription => ({
  subscription_id,
  customer_id,
  product_id,
  start: new Date(ANCHOR).toISOString(),
  ends_at,
});

describe('periodEffect', () => {
  it('invoiced: the adjustment against the units billed (which may differ from the usage now)', () => {
    // Billed 12.5 (156); a pending late change made it 13 now; after the void 7.25 (91): −65, units −5.25.
    expect(periodEffect(price, '13', '7.25', '12.5')).toEqual({ usage_now: '13', usage_after: '7.25', invoiced: true, billed_units: '12.5', units_change: '-5.25', amount_change: '-65' });
  });

  it("open: the change of the meter line's charge", () => {
    expect(periodEffect(price, '13', '7.25', null)).toEqual({ usage_now: '13', usage_after: '7.25', invoiced: false, billed_units: null, units_change: '-5.75', amount_change: '-72' });
  });

  it('no change: zero units and amount', () => {
    expect(periodEffect(price, '4', '4', '4')).toMatchObject({ units_change: '0', amount_change: '0' });
  });
});

describe('previewSlots', () => {
  const products = new Map([
    ['p_day', product('p_day', ['m_peak', 'm_tokens'])],
    ['p_month', product('p_month', ['m_tokens'], 'Month')],
  ]);
  const subs = [sub('s_b', 'p_month'), sub('s_a', 'p_day'), sub('s_other', 'p_day', 'someone'), sub('s_gone', 'p_missing'), sub('s_ended', 'p_day', 'c', new Date(ANCHOR + DAY).toISOString())];

  it("lists per meter each of the customer's subscriptions pricing it, with the period holding the event time", () => {
    const at = ANCHOR + 2 * DAY + 5;
    const slots = previewSlots('c', at, ['m_peak', 'm_tokens', 'm_unpriced'], subs, (id) => products.get(id));
    expect(slots.map((s) => [s.meterId, s.subscription.subscription_id, s.period.start - ANCHOR, s.period.end - ANCHOR])).toEqual([
      ['m_peak', 's_a', 2 * DAY, 3 * DAY],
      ['m_tokens', 's_a', 2 * DAY, 3 * DAY],
      ['m_tokens', 's_b', 0, Date.UTC(2026, 1, 1, 6) - ANCHOR],
    ]);
  });

  it("uses an ended subscription's last, clipped period when it held the event", () => {
    const slots = previewSlots('c', ANCHOR + DAY - 1, ['m_peak'], subs, (id) => products.get(id));
    expect(slots.map((s) => [s.subscription.subscription_id, s.period.end - ANCHOR])).toEqual([
      ['s_a', DAY],
      ['s_ended', DAY],
    ]);
    expect(previewSlots('c', ANCHOR - 1, ['m_peak'], subs, (id) => products.get(id))).toEqual([]);
  });
});

describe('recordAfter', () => {
  const record = (change: MeterRecord['change'], value: string | null, unique_key: string | null = null): MeterRecord => ({ meter_id: 'm', event_id: 'e', customer_id: 'c', timestamp: 1, value, unique_key, change, correction_id: 'cor' });
  it('is null for a removal, the new value or key for a replacement', () => {
    expect(recordAfter(record('remove', null))).toBeNull();
    expect(recordAfter(record('replace', '7.5'))).toEqual({ value: '7.5', uniqueKey: null });
    expect(recordAfter(record('replace', null, 'user_1'))).toEqual({ value: '0', uniqueKey: 'user_1' });
  });
});
