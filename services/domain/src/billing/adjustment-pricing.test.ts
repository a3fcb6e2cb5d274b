import type { MeterPrice } from '../model/catalog';
import { chargeChange } from './adjustment-pricing';

const perUnit = (price_per_unit: string, free_threshold = '0'): MeterPrice => ({ meter_id: 'm', price_per_unit, free_threshold });

describe('chargeChange', () => {
  it('is the difference of the two rounded meter-line charges, not the rounded difference', () => {
    // 12.5 × 12.5 = 156.25 → 156; 7.25 × 12.5 = 90.625 → 91: 91 − 156 = −65 (rounding −65.625 would give −66).
    expect(chargeChange(perUnit('12.5'), '12.5', '7.25')).toEqual({ units: '-5.25', amount: '-65' });
  });

  it('applies the free threshold to both sides', () => {
    // 100 free: 90 → 0, 130 → 30 × 2 = 60.
    expect(chargeChange(perUnit('2', '100'), '90', '130')).toEqual({ units: '40', amount: '60' });
    expect(chargeChange(perUnit('2', '100'), '130', '90')).toEqual({ units: '-40', amount: '-60' });
  });

  it('prices tiers as a meter line does (graduated)', () => {
    const graduated: MeterPrice = { meter_id: 'm', price_per_unit: '0', free_threshold: '0', model: 'graduated', tiers: [{ up_to: '10', price_per_unit: '3', flat_fee: '0' }, { up_to: null, price_per_unit: '1', flat_fee: '0' }] };
    // 12 → 30 + 2 = 32; 8 → 24.
    expect(chargeChange(graduated, '12', '8')).toEqual({ units: '-4', amount: '-8' });
  });

  it('is zero for no change, exactly', () => {
    expect(chargeChange(perUnit('0.37'), '390.500', '390.5')).toEqual({ units: '0', amount: '0' });
  });
});
