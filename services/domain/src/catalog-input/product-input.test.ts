import { CatalogStore } from '@meterstream/common';
import type { Meter } from '../model/meter';
import { validateProductInput } from './product-input';

const NOW = '2026-03-01T00:00:00.000Z';

function meter(id: string, archived = false): Meter {
  return {
    id,
    name: id,
    event_name: 'e',
    aggregation: { type: 'count', key: null },
    measurement_unit: 'u',
    description: null,
    filter: null,
    archived,
    created_at: NOW,
    updated_at: NOW,
  };
}

const catalog = new CatalogStore();
for (const m of [meter('mtr_a'), meter('mtr_b'), meter('mtr_c'), meter('mtr_old', true)]) catalog.apply('meters', m.id, m);

const price = (overrides: Record<string, unknown> = {}) => ({
  type: 'usage_based_price',
  currency: 'USD',
  fixed_price: 2900,
  payment_frequency_interval: 'Month',
  payment_frequency_count: 1,
  meters: [{ meter_id: 'mtr_a', price_per_unit: '0.5', free_threshold: '100' }],
  ...overrides,
});

const check = (body: Record<string, unknown>) => validateProductInput(body, 'prod_1', NOW, catalog);
const fieldsOf = (body: Record<string, unknown>) => {
  const checked = check(body);
  if (checked.ok) throw new Error('expected the product to be refused');
  return checked.errors.map((e) => e.field);
};

describe('validateProductInput', () => {
  it("accepts Dodo's usage-based price and the pricing extensions, keeping decimals as text", () => {
    const checked = check({
      name: 'Pro',
      tax_category: 'saas',
      metadata: { tier: 'pro' },
      price: price({
        subscription_period_interval: 'Year',
        subscription_period_count: 1,
        meters: [
          { meter_id: 'mtr_a', price_per_unit: '0.000000000001', free_threshold: 10 },
          {
            meter_id: 'mtr_b',
            model: 'graduated',
            free_threshold: '0.5',
            tiers: [
              { up_to: '1000', price_per_unit: '0.01' },
              { up_to: null, price_per_unit: '0.005', flat_fee: '3' },
            ],
          },
          { meter_id: 'mtr_c', model: 'package', price_per_unit: '100', package_size: '1000' },
        ],
      }),
    });
    expect(checked).toEqual({
      ok: true,
      value: {
        product_id: 'prod_1',
        name: 'Pro',
        description: null,
        tax_category: 'saas',
        metadata: { tier: 'pro' },
        created_at: NOW,
        updated_at: NOW,
        price: {
          type: 'usage_based_price',
          currency: 'USD',
          fixed_price: 2900,
          payment_frequency_interval: 'Month',
          payment_frequency_count: 1,
          subscription_period_interval: 'Year',
          subscription_period_count: 1,
          meters: [
            { meter_id: 'mtr_a', price_per_unit: '0.000000000001', free_threshold: '10' },
            {
              meter_id: 'mtr_b',
              model: 'graduated',
              price_per_unit: '0',
              free_threshold: '0.5',
              tiers: [
                { up_to: '1000', price_per_unit: '0.01' },
                { up_to: null, price_per_unit: '0.005', flat_fee: '3' },
              ],
            },
            { meter_id: 'mtr_c', model: 'package', price_per_unit: '100', free_threshold: '0', package_size: '1000' },
          ],
        },
      },
    });
  });

  it('names the full path of a tier the pricer refuses', () => {
    const checked = check({
      name: 'Tiers',
      price: price({
        meters: [
          { meter_id: 'mtr_a', price_per_unit: '1', free_threshold: '0' },
          { meter_id: 'mtr_b', model: 'volume', free_threshold: '0', tiers: [{ up_to: '0', price_per_unit: '1' }, { up_to: null, price_per_unit: '1' }] },
        ],
      }),
    });
    expect(checked).toEqual({
      ok: false,
      errors: [{ field: 'price.meters[1].tiers[0].up_to', message: 'tiers must be strictly ascending and positive, 0 <= 0' }],
    });
    expect(fieldsOf({ name: 'x', price: price({ meters: [{ meter_id: 'mtr_a', model: 'graduated', tiers: [{ up_to: '5', price_per_unit: '1' }] }] }) })).toEqual([
      'price.meters[0].tiers[0].up_to',
    ]);
    expect(fieldsOf({ name: 'x', price: price({ meters: [{ meter_id: 'mtr_a', model: 'graduated', tiers: [{ up_to: 5, price_per_unit: '1' }, { up_to: null }] }] }) })).toEqual([
      'price.meters[0].tiers[0].up_to',
      'price.meters[0].tiers[1].price_per_unit',
    ]);
  });

  it('refuses unknown, archived and twice-priced meters', () => {
    expect(
      check({
        name: 'x',
        price: price({
          meters: [
            { meter_id: 'mtr_missing', price_per_unit: '1' },
            { meter_id: 'mtr_old', price_per_unit: '1' },
            { meter_id: 'mtr_a', price_per_unit: '1' },
            { meter_id: 'mtr_a', price_per_unit: '2' },
          ],
        }),
      }),
    ).toEqual({
      ok: false,
      errors: [
        { field: 'price.meters[0].meter_id', message: 'meter mtr_missing does not exist' },
        { field: 'price.meters[1].meter_id', message: 'meter mtr_old is archived' },
        { field: 'price.meters[3].meter_id', message: 'meter mtr_a is priced twice' },
      ],
    });
  });

  it('checks price fields: decimals with at most 12 fraction digits, model fields, frequency', () => {
    expect(fieldsOf({ name: 'x', price: price({ meters: [{ meter_id: 'mtr_a', price_per_unit: '0.0000000000001' }] }) })).toEqual(['price.meters[0].price_per_unit']);
    expect(fieldsOf({ name: 'x', price: price({ meters: [{ meter_id: 'mtr_a', price_per_unit: 0.5 }] }) })).toEqual(['price.meters[0].price_per_unit']);
    expect(fieldsOf({ name: 'x', price: price({ meters: [{ meter_id: 'mtr_a', price_per_unit: '1', free_threshold: '-1' }] }) })).toEqual(['price.meters[0].free_threshold']);
    expect(fieldsOf({ name: 'x', price: price({ meters: [{ meter_id: 'mtr_a', price_per_unit: '1', free_threshold: 1e21 }] }) })).toEqual(['price.meters[0].free_threshold']);
    expect(fieldsOf({ name: 'x', price: price({ meters: [{ meter_id: 'mtr_a', model: 'package', price_per_unit: '1' }] }) })).toEqual(['price.meters[0].package_size']);
    expect(fieldsOf({ name: 'x', price: price({ meters: [{ meter_id: 'mtr_a', model: 'volume' }] }) })).toEqual(['price.meters[0].tiers']);
    expect(fieldsOf({ name: 'x', price: price({ meters: [{ meter_id: 'mtr_a', price_per_unit: '1', package_size: '10' }] }) })).toEqual(['price.meters[0].package_size']);
    expect(fieldsOf({ name: 'x', price: price({ meters: [{ meter_id: 'mtr_a', model: 'tiered', price_per_unit: '1' }] }) })).toEqual(['price.meters[0].model']);
    expect(
      fieldsOf({
        price: price({ type: 'recurring_price', currency: 'usd', fixed_price: 1.5, payment_frequency_interval: 'Fortnight', payment_frequency_count: 0, meters: {} }),
        tax_category: 'food',
      }),
    ).toEqual([
      'name',
      'tax_category',
      'price.type',
      'price.currency',
      'price.fixed_price',
      'price.payment_frequency_interval',
      'price.payment_frequency_count',
      'price.meters',
    ]);
    expect(fieldsOf({ name: 'x' })).toEqual(['price']);
    expect(validateProductInput([], 'prod_1', NOW, catalog)).toEqual({ ok: false, errors: [{ field: '', message: 'must be a JSON object' }] });
  });

  it('takes a price without meters as a fixed fee only', () => {
    const checked = check({ name: 'Flat', price: price({ meters: undefined, fixed_price: 0 }) });
    expect(checked.ok && checked.value.price.meters).toEqual([]);
  });
});
