import type { MeterPrice as MeterPriceModel, Tier } from '../model/catalog';
import { priceMeterUsage } from './invoice-lines';
import { validateFixedPrice, validateMeterPrice } from './price-validation';

const perUnit = (price_per_unit: string, free_threshold = '0'): MeterPriceModel => ({
  meter_id: 'api_calls',
  price_per_unit,
  free_threshold,
});

describe('validation', () => {
  const tiered = (tiers: Tier[], model: 'graduated' | 'volume' = 'graduated'): MeterPriceModel => ({
    meter_id: 'm',
    price_per_unit: '0',
    free_threshold: '0',
    model,
    tiers,
  });

  it('rejects a negative price_per_unit', () => {
    expect(() => priceMeterUsage(perUnit('-1'), '1')).toThrow(/api_calls\.price_per_unit: must not be negative/);
  });

  it('rejects a price_per_unit with more than 12 decimals', () => {
    expect(() => priceMeterUsage(perUnit('0.0000000000001'), '1')).toThrow(/price_per_unit: at most 12 decimal places/);
    expect(priceMeterUsage(perUnit('0.000000000001'), '1000000000000').amount).toBe('1');
  });

  it('rejects a negative free_threshold and non-decimal text', () => {
    expect(() => priceMeterUsage(perUnit('1', '-1'), '1')).toThrow(/free_threshold: must not be negative/);
    expect(() => priceMeterUsage(perUnit('1'), '1e3')).toThrow(/usage: expected plain decimal text/);
    expect(() => priceMeterUsage(perUnit('abc'), '1')).toThrow(/price_per_unit: expected plain decimal text/);
  });

  it('rejects tiers that are not strictly ascending', () => {
    const tiers: Tier[] = [
      { up_to: '100', price_per_unit: '1' },
      { up_to: '100', price_per_unit: '1' },
      { up_to: null, price_per_unit: '1' },
    ];
    expect(() => priceMeterUsage(tiered(tiers), '1')).toThrow(/m\.tiers\[1\]\.up_to: tiers must be strictly ascending/);
    expect(() => priceMeterUsage(tiered([{ up_to: '0', price_per_unit: '1' }, { up_to: null, price_per_unit: '1' }]), '1')).toThrow(
      /tiers\[0\]\.up_to: tiers must be strictly ascending and positive/,
    );
  });

  it('rejects a bounded last tier and an unbounded middle tier', () => {
    expect(() => priceMeterUsage(tiered([{ up_to: '100', price_per_unit: '1' }], 'volume'), '1')).toThrow(
      /tiers\[0\]\.up_to: the last tier must be unbounded/,
    );
    const tiers: Tier[] = [
      { up_to: null, price_per_unit: '1' },
      { up_to: null, price_per_unit: '1' },
    ];
    expect(() => priceMeterUsage(tiered(tiers), '1')).toThrow(/tiers\[0\]\.up_to: only the last tier may be unbounded/);
  });

  it('rejects missing tiers, negative tier prices and flat fees', () => {
    expect(() => priceMeterUsage(tiered([]), '1')).toThrow(/m\.tiers: at least one tier is required/);
    expect(() => priceMeterUsage(tiered([{ up_to: null, price_per_unit: '-2' }]), '1')).toThrow(
      /tiers\[0\]\.price_per_unit: must not be negative/,
    );
    expect(() => priceMeterUsage(tiered([{ up_to: null, price_per_unit: '2', flat_fee: '-1' }]), '1')).toThrow(
      /tiers\[0\]\.flat_fee: must not be negative/,
    );
  });

  it('rejects package_size <= 0 or missing', () => {
    const pack = (package_size?: string): MeterPriceModel => ({ ...perUnit('1'), model: 'package', package_size });
    expect(() => priceMeterUsage(pack('0'), '1')).toThrow(/package_size: must be greater than 0/);
    expect(() => priceMeterUsage(pack('-5'), '1')).toThrow(/package_size: must be greater than 0/);
    expect(() => priceMeterUsage(pack(undefined), '1')).toThrow(/package_size: expected plain decimal text/);
  });

  it('rejects fields that the chosen model would silently ignore', () => {
    expect(() => priceMeterUsage({ ...perUnit('1'), tiers: [{ up_to: null, price_per_unit: '1' }] }, '1')).toThrow(
      /tiers: only allowed with the graduated or volume model, not per_unit/,
    );
    expect(() => priceMeterUsage({ ...perUnit('1'), package_size: '10' }, '1')).toThrow(/package_size: only allowed with the package model/);
  });
});

describe('validateMeterPrice', () => {
  const graduated: MeterPriceModel = {
    meter_id: 'mtr_x',
    price_per_unit: '0',
    free_threshold: '0',
    model: 'graduated',
    tiers: [
      { up_to: '100', price_per_unit: '2' },
      { up_to: null, price_per_unit: '1' },
    ],
  };

  it('accepts every price the pricer prices', () => {
    expect(validateMeterPrice(perUnit('0.000000000001', '10'))).toEqual([]);
    expect(validateMeterPrice(graduated)).toEqual([]);
    expect(validateMeterPrice({ meter_id: 'p', price_per_unit: '5', free_threshold: '0', model: 'package', package_size: '1000' })).toEqual([]);
  });

  it('names the field relative to the price, with the pricer message', () => {
    expect(validateMeterPrice({ ...graduated, tiers: [{ up_to: '100', price_per_unit: '2' }, { up_to: '50', price_per_unit: '1' }, { up_to: null, price_per_unit: '1' }] })).toEqual([
      { field: 'tiers[1].up_to', message: 'tiers must be strictly ascending and positive, 50 <= 100' },
    ]);
    expect(validateMeterPrice({ ...graduated, tiers: [{ up_to: '100', price_per_unit: '2' }] })).toEqual([
      { field: 'tiers[0].up_to', message: 'the last tier must be unbounded (null)' },
    ]);
    expect(validateMeterPrice(perUnit('0.0000000000001'))).toEqual([{ field: 'price_per_unit', message: 'at most 12 decimal places, got 0.0000000000001' }]);
    expect(validateMeterPrice(perUnit('1', '-1'))).toEqual([{ field: 'free_threshold', message: 'must not be negative, got -1' }]);
    expect(validateMeterPrice({ ...perUnit('1'), model: 'package', package_size: '0' })).toEqual([{ field: 'package_size', message: 'must be greater than 0' }]);
    expect(validateMeterPrice({ ...perUnit('1'), tiers: graduated.tiers })[0].field).toBe('tiers');
  });
});

describe('validateMeterPrice reports every problem at once', () => {
  it('names each refused field, the shared ones first', () => {
    expect(
      validateMeterPrice({
        meter_id: 'm',
        model: 'graduated',
        free_threshold: '-1',
        package_size: '5',
        tiers: [
          { up_to: '10', price_per_unit: '-1' },
          { up_to: '10', price_per_unit: '1', flat_fee: 'x' },
          { up_to: '20', price_per_unit: '1' },
        ],
      }),
    ).toEqual([
      { field: 'package_size', message: 'only allowed with the package model, not graduated' },
      { field: 'free_threshold', message: 'must not be negative, got -1' },
      { field: 'tiers[0].price_per_unit', message: 'must not be negative, got -1' },
      { field: 'tiers[1].up_to', message: 'tiers must be strictly ascending and positive, 10 <= 10' },
      { field: 'tiers[1].flat_fee', message: 'expected plain decimal text, got "x"' },
      { field: 'tiers[2].up_to', message: 'the last tier must be unbounded (null)' },
    ]);
  });

  it('takes an absent free_threshold as 0 and refuses an unknown model', () => {
    expect(validateMeterPrice({ meter_id: 'm', price_per_unit: '1' })).toEqual([]);
    expect(validateMeterPrice({ meter_id: 'm', price_per_unit: '1', model: 'tiered' as never })).toEqual([{ field: 'model', message: 'one of per_unit, graduated, volume, package' }]);
  });

  it('allows 1 to 50 tiers', () => {
    const tiers = (n: number) => Array.from({ length: n }, (_, i) => ({ up_to: i === n - 1 ? null : String(i + 1), price_per_unit: '1' }));
    expect(validateMeterPrice({ meter_id: 'm', model: 'volume', tiers: tiers(50) })).toEqual([]);
    expect(validateMeterPrice({ meter_id: 'm', model: 'volume', tiers: tiers(51) })).toEqual([{ field: 'tiers', message: 'at most 50 tiers' }]);
  });
});

describe('validateFixedPrice', () => {
  it("takes a whole number ≥ 0 of the currency's lowest denomination", () => {
    expect(validateFixedPrice(0)).toEqual([]);
    expect(validateFixedPrice(2900)).toEqual([]);
    for (const bad of [-1, 1.5, '100', Number.MAX_SAFE_INTEGER + 1, undefined]) expect(validateFixedPrice(bad)).toHaveLength(1);
    expect(validateFixedPrice(-1)[0]).toEqual({ field: 'fixed_price', message: "a whole number ≥ 0 in the currency's lowest denomination, got -1" });
  });
});

describe('tiered prices', () => {
  it('may omit price_per_unit, which prices nothing, but when given it is still a price', () => {
    const tiers = [{ up_to: null, price_per_unit: '1' }];
    expect(validateMeterPrice({ meter_id: 'm', model: 'graduated', tiers })).toEqual([]);
    expect(validateMeterPrice({ meter_id: 'm', model: 'volume', price_per_unit: 'abc', tiers })).toEqual([{ field: 'price_per_unit', message: 'expected plain decimal text, got "abc"' }]);
    expect(validateMeterPrice({ meter_id: 'm', model: 'graduated', price_per_unit: '-1', tiers })).toEqual([{ field: 'price_per_unit', message: 'must not be negative, got -1' }]);
  });
});
