import fc from 'fast-check';
import { Decimal } from '../decimal';
import type { MeterPrice as MeterPriceModel, Product, Tier } from '../model/catalog';
import { priceFixedFee, priceInvoice, priceMeterUsage, roundAmount } from './invoice-lines';
import { meterCharge } from './meter-charge';

const perUnit = (price_per_unit: string, free_threshold = '0'): MeterPriceModel => ({
  meter_id: 'api_calls',
  price_per_unit,
  free_threshold,
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

describe('amounts at the widest values (totals of Decimal(76, 12), prices of 26 + 12 digits)', () => {
  /** Independent of decimal.js: BigInt scaled by 10^24 (12 digits of usage times 12 of price). */
  const scaled = (text: string, scale: number) => {
    const [int, frac = ''] = text.split('.');
    return BigInt(int + frac.padEnd(scale, '0'));
  };
  it('prices every digit of a 64-digit usage times a 38-digit price, rounded once half-up', () => {
    const usage = `${'9'.repeat(63)}7.123456789012`;
    const price = '12345678901234567890123456.987654321098';
    const exact = scaled(usage, 12) * scaled(price, 12); // scale 24
    const half = 5n * 10n ** 23n;
    const expected = ((exact + half) / 10n ** 24n).toString();
    expect(priceMeterUsage(perUnit(price), usage).amount).toBe(expected);
    expect(expected.length).toBe(90);
  });
});
