import type { MeterPrice as MeterPriceModel } from '../model/catalog';
import { priceMeterUsage } from './invoice-lines';
import { meterCharge } from './meter-charge';

describe('package pricing', () => {
  const pack: MeterPriceModel = {
    meter_id: 'sms',
    price_per_unit: '250',
    free_threshold: '0',
    model: 'package',
    package_size: '100',
  };

  it('charges whole packages for an exact multiple', () => {
    expect(priceMeterUsage(pack, '200').amount).toBe('500');
  });

  it('rounds one unit over up to another package', () => {
    const line = priceMeterUsage(pack, '201');
    expect(line.amount).toBe('750');
    expect(line.description).toBe('sms: 3 packages of 100 × 250');
  });

  it('charges one package for a single unit and nothing for zero', () => {
    expect(priceMeterUsage(pack, '1').amount).toBe('250');
    expect(priceMeterUsage(pack, '0').amount).toBe('0');
  });

  it('counts packages after the free threshold', () => {
    expect(priceMeterUsage({ ...pack, free_threshold: '50' }, '150').amount).toBe('250');
    expect(priceMeterUsage({ ...pack, free_threshold: '50' }, '151').amount).toBe('500');
  });

  it('supports fractional package sizes and prices', () => {
    // ceil(1.2 / 0.5) = 3 packages × 0.25 = 0.75
    const line = priceMeterUsage({ ...pack, package_size: '0.5', price_per_unit: '0.25' }, '1.2');
    expect(line.amount).toBe('1');
    expect(meterCharge({ ...pack, package_size: '0.5', price_per_unit: '0.25' }, '1.2').raw_amount).toBe('0.75');
  });
});
