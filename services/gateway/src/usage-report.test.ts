import type { MeterPrice as MeterPriceModel, Product } from '@meterstream/domain';
import { invoicePreview, usageHistoryMeter, usageHistoryPeriod } from './usage-report';

const graduated: MeterPriceModel = {
  meter_id: 'mtr_tokens',
  model: 'graduated',
  price_per_unit: '0',
  free_threshold: '100',
  tiers: [
    { up_to: '1000', price_per_unit: '0.01' },
    { up_to: null, price_per_unit: '0.005', flat_fee: '3' },
  ],
};

describe('usageHistoryMeter', () => {
  it("reports Dodo's fields: exact unit texts, the rounded line amount as a number", () => {
    expect(usageHistoryMeter({ meter_id: 'mtr_api', price_per_unit: '0.5', free_threshold: '10' }, { id: 'mtr_api', name: 'API calls' }, 'USD', '15')).toEqual({
      id: 'mtr_api',
      name: 'API calls',
      consumed_units: '15',
      chargeable_units: '5',
      free_threshold: 10,
      price_per_unit: '0.5',
      total_price: 3, // 2.5 rounds half-up
      currency: 'USD',
    });
  });

  it('prices graduated usage like the invoice line and shows the price of the next unit', () => {
    // 1300.5 - 100 = 1200.5 chargeable: 1000 × 0.01 + 200.5 × 0.005 + 3 = 14.0025
    expect(usageHistoryMeter(graduated, { id: 'mtr_tokens', name: 'Tokens' }, 'EUR', '1300.5')).toMatchObject({
      consumed_units: '1300.5',
      chargeable_units: '1200.5',
      free_threshold: 100,
      price_per_unit: '0.005',
      total_price: 14,
    });
    expect(usageHistoryMeter(graduated, { id: 'mtr_tokens', name: 'Tokens' }, 'EUR', '0')).toMatchObject({ chargeable_units: '0', price_per_unit: '0.01', total_price: 0 });
  });
});

describe('usage history period and invoice preview', () => {
  const start = Date.parse('2026-03-01T00:00:00Z');
  const end = Date.parse('2026-04-01T00:00:00Z');

  it('dates a period in ISO 8601', () => {
    expect(usageHistoryPeriod({ index: 2, start, end }, [])).toEqual({ start_date: '2026-03-01T00:00:00.000Z', end_date: '2026-04-01T00:00:00.000Z', meters: [] });
  });

  it('prices the open period: fixed fee plus one line per meter, nothing issued', () => {
    const product: Product = {
      product_id: 'prod_1',
      name: 'Pro',
      price: {
        type: 'usage_based_price',
        currency: 'USD',
        fixed_price: 1000,
        payment_frequency_interval: 'Month',
        payment_frequency_count: 1,
        meters: [{ meter_id: 'mtr_api', price_per_unit: '0.5', free_threshold: '10' }, graduated],
      },
    };
    const preview = invoicePreview({ subscription_id: 'sub_1', customer_id: 'cus_1' }, product, { index: 2, start, end }, new Map([['mtr_api', '14']]), Date.parse('2026-03-15T00:00:00Z'));
    expect(preview).toMatchObject({
      id: expect.stringMatching(/^inv_[0-9a-f]{24}$/),
      subscription_id: 'sub_1',
      customer_id: 'cus_1',
      currency: 'USD',
      period_start: '2026-03-01T00:00:00.000Z',
      period_end: '2026-04-01T00:00:00.000Z',
      status: 'preview',
      subtotal: '1002',
      total: '1002',
      computed_at: '2026-03-15T00:00:00.000Z',
    });
    expect(preview.lines.map((l) => [l.type, l.meter_id, l.units_consumed, l.amount])).toEqual([
      ['fixed', null, null, '1000'],
      ['meter', 'mtr_api', '14', '2'],
      ['meter', 'mtr_tokens', '0', '0'],
    ]);
  });
});
