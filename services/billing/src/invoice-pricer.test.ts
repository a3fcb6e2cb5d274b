import fc from 'fast-check';
import { Decimal, type Product } from '@meterstream/domain';
import {
  meterCharge,
  priceFixedFee,
  priceInvoice,
  priceMeterUsage,
  roundAmount,
  type MeterPriceModel,
  type Tier,
} from './invoice-pricer';
import { validateMeterPrice } from './invoice-pricer';

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

describe('invoice', () => {
  const product = (meters: MeterPriceModel[], fixed_price = 1999): Product => ({
    product_id: 'pro',
    name: 'Pro plan',
    price: {
      type: 'usage_based_price',
      currency: 'USD',
      fixed_price,
      payment_frequency_interval: 'Month',
      payment_frequency_count: 1,
      meters,
    },
  });

  it('prices the fixed fee as its own line', () => {
    const line = priceFixedFee(product([]));
    expect(line.type).toBe('fixed');
    expect(line.meter_id).toBeNull();
    expect(line.amount).toBe('1999');
  });

  it('rejects a negative or fractional fixed_price', () => {
    expect(() => priceFixedFee(product([], -1))).toThrow(/pro\.price\.fixed_price/);
    expect(() => priceFixedFee(product([], 1.5))).toThrow(/pro\.price\.fixed_price/);
  });

  it('lists the fixed line, then one line per meter in product order, and sums rounded amounts', () => {
    const invoice = priceInvoice(
      product([
        { meter_id: 'api_calls', price_per_unit: '0.000123456789', free_threshold: '0' },
        {
          meter_id: 'storage',
          price_per_unit: '0',
          free_threshold: '10',
          model: 'graduated',
          tiers: [
            { up_to: '100', price_per_unit: '2' },
            { up_to: null, price_per_unit: '1', flat_fee: '50' },
          ],
        },
        { meter_id: 'sms', price_per_unit: '250', free_threshold: '0', model: 'package', package_size: '100' },
      ]),
      new Map([
        ['sms', '201'],
        ['api_calls', '1234567'],
        ['unknown_meter', '999'],
      ]),
    );
    expect(invoice.lines.map((l) => [l.type, l.meter_id, l.units_consumed, l.amount])).toEqual([
      ['fixed', null, null, '1999'],
      ['meter', 'api_calls', '1234567', '152'],
      ['meter', 'storage', '0', '0'],
      ['meter', 'sms', '201', '750'],
    ]);
    expect(invoice.subtotal).toBe('2901'); // 1999 + 152 + 0 + 750
    expect(invoice.total).toBe('2901');
  });

  it('rounds each line before summing', () => {
    const half = (meter_id: string): MeterPriceModel => ({ meter_id, price_per_unit: '0.5', free_threshold: '0' });
    const invoice = priceInvoice(product([half('a'), half('b')], 0), new Map([['a', '1'], ['b', '1']]));
    expect(invoice.lines.map((l) => l.amount)).toEqual(['0', '1', '1']);
    expect(invoice.subtotal).toBe('2'); // summing first would give 1
  });
});

describe('pricing properties', () => {
  /** Exact decimal text from an integer and a scale, e.g. (5n, 3) -> "0.005". No floating point. */
  const decimalArb = (maxInteger: bigint, maxScale: number) =>
    fc
      .record({ n: fc.bigInt({ min: 0n, max: maxInteger }), scale: fc.integer({ min: 0, max: maxScale }) })
      .map(({ n, scale }) => new Decimal(n.toString()).dividedBy(new Decimal(10).pow(scale)).toFixed());
  const usageArb = decimalArb(10n ** 15n, 6);
  const priceArb = decimalArb(10n ** 15n, 12);
  const tiersArb = fc
    .array(fc.record({ step: decimalArb(10n ** 6n, 3), price: priceArb, flat: fc.option(decimalArb(10n ** 6n, 2), { nil: undefined }) }), {
      minLength: 1,
      maxLength: 5,
    })
    .map((specs): Tier[] => {
      let upTo = new Decimal(0);
      return specs.map((spec, i) => {
        upTo = upTo.plus(spec.step).plus(1); // strictly ascending and positive
        return { up_to: i === specs.length - 1 ? null : upTo.toFixed(), price_per_unit: spec.price, flat_fee: spec.flat };
      });
    });
  const priceModelArb: fc.Arbitrary<MeterPriceModel> = fc.oneof(
    fc.record({ meter_id: fc.constant('m'), price_per_unit: priceArb, free_threshold: usageArb }),
    fc.record({
      meter_id: fc.constant('m'),
      price_per_unit: fc.constant('0'),
      free_threshold: usageArb,
      model: fc.constantFrom('graduated' as const, 'volume' as const),
      tiers: tiersArb,
    }),
    fc.record({
      meter_id: fc.constant('m'),
      price_per_unit: priceArb,
      free_threshold: usageArb,
      model: fc.constant('package' as const),
      package_size: decimalArb(10n ** 6n, 3).filter((s) => new Decimal(s).gt(0)),
    }),
  );

  it('a single unbounded graduated or volume tier prices like per-unit', () => {
    fc.assert(
      fc.property(usageArb, usageArb, priceArb, fc.constantFrom('graduated' as const, 'volume' as const), (usage, free, price, model) => {
        const flat = perUnit(price, free);
        const tiered: MeterPriceModel = { ...flat, price_per_unit: '0', model, tiers: [{ up_to: null, price_per_unit: price }] };
        expect(meterCharge(tiered, usage).raw_amount).toBe(meterCharge(flat, usage).raw_amount);
        expect(priceMeterUsage(tiered, usage).amount).toBe(priceMeterUsage(flat, usage).amount);
      }),
    );
  });

  it('amounts are non-negative integers within half a unit of the exact charge', () => {
    fc.assert(
      fc.property(priceModelArb, usageArb, (price, usage) => {
        const amount = priceMeterUsage(price, usage).amount;
        expect(amount).toMatch(/^\d+$/);
        const error = new Decimal(amount).minus(meterCharge(price, usage).raw_amount);
        expect(error.gt(-0.5) && error.lte(0.5)).toBe(true);
      }),
    );
  });

  it('more usage never costs less for per-unit, graduated and package pricing', () => {
    const monotonicModelArb = priceModelArb.filter((p) => p.model !== 'volume');
    fc.assert(
      fc.property(monotonicModelArb, usageArb, usageArb, (price, a, b) => {
        const [low, high] = new Decimal(a).lte(b) ? [a, b] : [b, a];
        const lowCharge = new Decimal(meterCharge(price, low).raw_amount);
        expect(lowCharge.lte(meterCharge(price, high).raw_amount)).toBe(true);
        expect(new Decimal(priceMeterUsage(price, low).amount).lte(priceMeterUsage(price, high).amount)).toBe(true);
      }),
    );
  });

  it('roundAmount rounds half-up exactly at .5 and never elsewhere', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), (n) => {
        expect(roundAmount(`${n}.5`)).toBe((n + 1n).toString());
        expect(roundAmount(`${n}.499999999999`)).toBe(n.toString());
        expect(roundAmount(n.toString())).toBe(n.toString());
      }),
    );
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
