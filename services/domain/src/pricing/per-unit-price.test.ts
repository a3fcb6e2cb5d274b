import type { MeterPrice as MeterPriceModel } from '../model/catalog';
import { priceMeterUsage } from './invoice-lines';
import { meterCharge } from './meter-charge';

const perUnit = (price_per_unit: string, free_threshold = '0'): MeterPriceModel => ({
  meter_id: 'api_calls',
  price_per_unit,
  free_threshold,
});

describe('per-unit pricing (Dodo default)', () => {
  it('charges nothing when the free threshold exceeds usage', () => {
    const line = priceMeterUsage(perUnit('3', '100'), '50');
    expect(line.chargeable_units).toBe('0');
    expect(line.amount).toBe('0');
  });

  it('charges nothing for zero usage', () => {
    expect(priceMeterUsage(perUnit('7'), '0').amount).toBe('0');
  });

  it('charges only units above the free threshold', () => {
    const line = priceMeterUsage(perUnit('3', '100'), '150');
    expect(line).toEqual({
      type: 'meter',
      meter_id: 'api_calls',
      description: 'api_calls: 50 × 3',
      units_consumed: '150',
      free_threshold: '100',
      chargeable_units: '50',
      price_per_unit: '3',
      amount: '150',
      pricing_model: 'per_unit',
      tiers: [],
    });
  });

  it('keeps a 12-decimal unit price exact and rounds only the line', () => {
    // 1234567 × 123456789 = 152415677625363, scaled by 10^-12.
    const price = perUnit('0.000123456789');
    expect(meterCharge(price, '1234567').raw_amount).toBe('152.415677625363');
    expect(priceMeterUsage(price, '1234567').amount).toBe('152');
  });

  it('rounds x.5 up (not to even) and below x.5 down', () => {
    expect(priceMeterUsage(perUnit('0.5'), '5').amount).toBe('3'); // 2.5
    expect(priceMeterUsage(perUnit('0.5'), '3').amount).toBe('2'); // 1.5
    expect(priceMeterUsage(perUnit('2.499999999999'), '1').amount).toBe('2');
  });

  it('prices fractional usage and fractional free thresholds exactly', () => {
    // (10.5 − 0.25) × 3 = 30.75
    expect(meterCharge(perUnit('3', '0.25'), '10.5').raw_amount).toBe('30.75');
    expect(priceMeterUsage(perUnit('3', '0.25'), '10.5').amount).toBe('31');
  });

  it('treats usage below zero as nothing chargeable', () => {
    expect(priceMeterUsage(perUnit('3'), '-4').chargeable_units).toBe('0');
  });
});
