import type { MeterPrice as MeterPriceModel } from '../model/catalog';
import { priceMeterUsage } from './invoice-lines';
import { meterCharge } from './meter-charge';

describe('volume tiers', () => {
  const volume: MeterPriceModel = {
    meter_id: 'seats',
    price_per_unit: '0',
    free_threshold: '0',
    model: 'volume',
    tiers: [
      { up_to: '100', price_per_unit: '2', flat_fee: '5' },
      { up_to: '1000', price_per_unit: '1.5' },
      { up_to: null, price_per_unit: '1' },
    ],
  };

  it('prices usage exactly at a boundary with that tier', () => {
    const line = priceMeterUsage(volume, '100'); // 100 × 2 + 5
    expect(line.amount).toBe('205');
    expect(line.price_per_unit).toBe('2');
    expect(line.pricing_model).toBe('volume');
    expect(line.tiers).toEqual([{ up_to: '100', units: '100', price_per_unit: '2', flat_fee: '5', amount: '205' }]);
  });

  it('prices all units with the next tier one unit over the boundary', () => {
    const line = priceMeterUsage(volume, '101'); // 101 × 1.5 = 151.5
    expect(line.price_per_unit).toBe('1.5');
    expect(meterCharge(volume, '101').raw_amount).toBe('151.5');
    expect(line.amount).toBe('152');
  });

  it('uses the unbounded tier above the last boundary', () => {
    expect(priceMeterUsage(volume, '1000').amount).toBe('1500');
    expect(priceMeterUsage(volume, '1001').amount).toBe('1001');
  });

  it('adds the first tier flat fee for the first unit but charges nothing for zero usage', () => {
    expect(priceMeterUsage(volume, '1').amount).toBe('7');
    expect(priceMeterUsage(volume, '0').amount).toBe('0');
  });

  it('applies the free threshold before choosing the tier', () => {
    // 150 − 50 = 100 chargeable: first tier.
    expect(priceMeterUsage({ ...volume, free_threshold: '50' }, '150').amount).toBe('205');
  });
});
