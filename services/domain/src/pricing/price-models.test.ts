import { Decimal } from '../decimal';
import { chargeModelOf, isPricingModel } from './price-models';

describe('chargeModelOf', () => {
  it('chooses the model a price names, per_unit when it names none', () => {
    const price = { meter_id: 'm', price_per_unit: '2', free_threshold: '0', package_size: '10', tiers: [{ up_to: null, price_per_unit: '3' }] };
    const ten = new Decimal(10);
    expect(chargeModelOf(undefined).charge(price, ten).raw_amount).toBe('20');
    expect(chargeModelOf('per_unit').charge(price, ten).raw_amount).toBe('20');
    expect(chargeModelOf('graduated').charge(price, ten).raw_amount).toBe('30');
    expect(chargeModelOf('volume').charge(price, ten).raw_amount).toBe('30');
    expect(chargeModelOf('package').charge(price, new Decimal(11)).raw_amount).toBe('4');
  });

  it('knows exactly the four pricing models', () => {
    expect(['per_unit', 'graduated', 'volume', 'package'].every(isPricingModel)).toBe(true);
    expect(isPricingModel('tiered')).toBe(false);
    expect(isPricingModel(undefined)).toBe(false);
  });
});
