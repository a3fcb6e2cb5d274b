import type { MeterPrice as MeterPriceModel } from '../model/catalog';
import { nextUnitPrice } from './graduated-price';
import { priceMeterUsage } from './invoice-lines';
import { meterCharge } from './meter-charge';

describe('graduated tiers', () => {
  const graduated: MeterPriceModel = {
    meter_id: 'storage',
    price_per_unit: '0',
    free_threshold: '10',
    model: 'graduated',
    tiers: [
      { up_to: '100', price_per_unit: '2' },
      { up_to: '1000', price_per_unit: '1', flat_fee: '50' },
      { up_to: null, price_per_unit: '0.5' },
    ],
  };

  it('prices usage exactly at a tier boundary within that tier (no next flat fee)', () => {
    expect(priceMeterUsage(graduated, '110').amount).toBe('200'); // 100 × 2
  });

  it('prices one unit over a boundary in the next tier and adds its flat fee', () => {
    const line = priceMeterUsage(graduated, '111'); // 100 × 2 + 1 × 1 + 50
    expect(line.amount).toBe('251');
    expect(line.chargeable_units).toBe('101');
    expect(line.price_per_unit).toBeNull();
    expect(line.description).toBe('storage: graduated 100 × 2 + 1 × 1 + flat 50');
    expect(line.pricing_model).toBe('graduated');
    expect(line.tiers).toEqual([
      { up_to: '100', units: '100', price_per_unit: '2', flat_fee: '0', amount: '200' },
      { up_to: '1000', units: '1', price_per_unit: '1', flat_fee: '50', amount: '51' },
    ]);
  });

  it('lists the tiers with exact amounts that add up to the unrounded charge', () => {
    const line = priceMeterUsage(graduated, '1011'); // 100 × 2 + 900 × 1 + 50 + 1 × 0.5
    expect(line.tiers).toEqual([
      { up_to: '100', units: '100', price_per_unit: '2', flat_fee: '0', amount: '200' },
      { up_to: '1000', units: '900', price_per_unit: '1', flat_fee: '50', amount: '950' },
      { up_to: null, units: '1', price_per_unit: '0.5', flat_fee: '0', amount: '0.5' },
    ]);
    expect(line.amount).toBe('1151');
    expect(priceMeterUsage(graduated, '5').tiers).toEqual([]);
  });

  it('fills every tier up to the last, unbounded one', () => {
    expect(priceMeterUsage(graduated, '1010').amount).toBe('1150'); // 200 + 900 + 50
    expect(meterCharge(graduated, '1011').raw_amount).toBe('1150.5');
    expect(priceMeterUsage(graduated, '1011').amount).toBe('1151');
  });

  it('charges nothing, not even a flat fee, when usage stays under the free threshold', () => {
    expect(priceMeterUsage(graduated, '5').amount).toBe('0');
  });

  it('rounds once per line, not once per tier', () => {
    const halves: MeterPriceModel = {
      ...graduated,
      free_threshold: '0',
      tiers: [
        { up_to: '1', price_per_unit: '0.5' },
        { up_to: null, price_per_unit: '0.5' },
      ],
    };
    expect(priceMeterUsage(halves, '2').amount).toBe('1'); // per-tier rounding would give 2
  });
});

// nextUnitPrice (moved from the gateway's usage-report.test.ts with its fixture)
const tokens: MeterPriceModel = {
  meter_id: 'mtr_tokens',
  model: 'graduated',
  price_per_unit: '0',
  free_threshold: '100',
  tiers: [
    { up_to: '1000', price_per_unit: '0.01' },
    { up_to: null, price_per_unit: '0.005', flat_fee: '3' },
  ],
};

describe('nextUnitPrice', () => {
  it('is the tier holding unit chargeable + 1: a tier ends at its up_to, inclusive', () => {
    expect(nextUnitPrice(tokens, '999.5')).toBe('0.01');
    expect(nextUnitPrice(tokens, '1000')).toBe('0.005');
    expect(nextUnitPrice({ meter_id: 'x', price_per_unit: '7', free_threshold: '0' }, '5')).toBe('7');
  });
});
