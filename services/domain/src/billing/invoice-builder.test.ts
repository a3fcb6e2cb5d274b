import type { Product, Subscription } from '../model/catalog';
import { buildInvoice } from './invoice-builder';
import type { LateUsage } from './late-usage';

const product: Product = {
  product_id: 'p',
  name: 'Plan',
  price: {
    type: 'usage_based_price',
    currency: 'USD',
    fixed_price: 100,
    payment_frequency_interval: 'Day',
    payment_frequency_count: 1,
    meters: [
      { meter_id: 'm_peak', price_per_unit: '12.5', free_threshold: '0' },
      { meter_id: 'm_tokens', price_per_unit: '0.37', free_threshold: '0' },
    ],
  },
};
const subscription: Subscription = { subscription_id: 's', customer_id: 'c', product_id: 'p', start: '2026-01-01T00:00:00.000Z' };
const P0 = { start: '2026-01-01T00:00:00.000Z', end: '2026-01-02T00:00:00.000Z' };
const period = { start: Date.parse('2026-01-02T00:00:00.000Z'), end: Date.parse('2026-01-03T00:00:00.000Z') };
const late = (meterId: string, billed: string, current: string, corrections: string[] = []): LateUsage => ({ periodStart: P0.start, periodEnd: P0.end, meterId, billed, current, corrections });
const usage = new Map([
  ['m_peak', '2'],
  ['m_tokens', '10'],
]);

describe('buildInvoice: corrections on lines', () => {
  it('lists the period ids on meter lines, the late usage ids on adjustment lines, none elsewhere', () => {
    const invoice = buildInvoice('inv', subscription, product, period, usage, [late('m_peak', '12.5', '9.5', ['cor_void']), late('m_tokens', '390.5', '400')], 0, new Map([['m_tokens', ['bf_1']]]));
    expect(invoice.lines.map((l) => [l.type, l.meter_id, l.corrections])).toEqual([
      ['fixed', null, []],
      ['meter', 'm_peak', []],
      ['meter', 'm_tokens', ['bf_1']],
      ['adjustment', 'm_peak', ['cor_void']],
      ['adjustment', 'm_tokens', []],
    ]);
    // 9.5 × 12.5 = 118.75 → 119 against 156.25 → 156; 400 × 0.37 = 148 against 144.485 → 144.
    expect(invoice.lines.slice(3).map((l) => [l.units_consumed, l.amount])).toEqual([
      ['-3', '-37'],
      ['9.5', '4'],
    ]);
    expect(invoice.total).toBe(String(100 + 25 + 4 - 37 + 4));
  });

  it('names the ids briefly in the description, all of them in the field', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const [, , , adjustment] = buildInvoice('inv', subscription, product, period, usage, [late('m_peak', '1', '2', ids)], 0).lines;
    expect(adjustment.description).toBe(`late usage of m_peak for ${P0.start} .. ${P0.end} (billed 1, now 2; corrections a, b, c and 2 more)`);
    expect(adjustment.corrections).toEqual(ids);
    const [, , , plain] = buildInvoice('inv', subscription, product, period, usage, [late('m_peak', '1', '2')], 0).lines;
    expect(plain.description).toBe(`late usage of m_peak for ${P0.start} .. ${P0.end} (billed 1, now 2)`);
  });

  it('drops an adjustment whose units did not change, whatever ids it would list', () => {
    expect(buildInvoice('inv', subscription, product, period, usage, [late('m_peak', '3', '3.000', ['cor_x'])], 0).lines).toHaveLength(3);
  });
});
