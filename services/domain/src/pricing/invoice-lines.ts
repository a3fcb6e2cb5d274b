import { Decimal, decimalText } from '../decimal';
import type { InvoiceLine } from '../model/invoice';
import type { MeterPrice, Product } from '../model/catalog';
import { meterCharge } from './meter-charge';
import { validateFixedPrice } from './price-validation';

/**
 * Invoice lines of one billing period. Every quantity and amount is exact decimal text in and out;
 * arithmetic uses `Decimal` (160 significant digits), which holds any product of a Decimal(76, 12)
 * total and a price of at most 26 integer and 12 fraction digits exactly.
 *
 * Rounding rule: the charge of a line is computed exactly and rounded once, half-up (x.5 goes up), to a
 * whole number of the currency's lowest denomination (e.g. cents). Nothing is rounded before that:
 * not units, not tiers, not flat fees. The subtotal is the sum of the rounded line amounts.
 */

/** Rounds an exact amount once, half-up, to a whole number of the lowest denomination. */
export function roundAmount(rawAmount: string): string {
  return decimalText(new Decimal(rawAmount).toDecimalPlaces(0, Decimal.ROUND_HALF_UP));
}

/** The invoice line of one meter for one period's usage (decimal text). */
export function priceMeterUsage(price: MeterPrice, usage: string): InvoiceLine {
  const charge = meterCharge(price, usage);
  return {
    pricing_model: price.model ?? 'per_unit',
    tiers: charge.tiers,
    type: 'meter',
    meter_id: price.meter_id,
    description: `${price.meter_id}: ${charge.breakdown}`,
    units_consumed: usage,
    free_threshold: price.free_threshold,
    chargeable_units: charge.chargeable_units,
    price_per_unit: charge.price_per_unit,
    amount: roundAmount(charge.raw_amount),
  };
}

/** The fixed-fee line of a product. Throws an Error naming the field when `fixed_price` is invalid. */
export function priceFixedFee(product: Product): InvoiceLine {
  const [problem] = validateFixedPrice(product.price.fixed_price);
  if (problem) throw new Error(`${product.product_id}.price.${problem.field}: ${problem.message}`);
  return {
    type: 'fixed',
    meter_id: null,
    description: `${product.name}: fixed fee`,
    units_consumed: null,
    free_threshold: null,
    chargeable_units: null,
    price_per_unit: null,
    amount: decimalText(new Decimal(product.price.fixed_price)),
    pricing_model: null,
    tiers: [],
  };
}

/**
 * Prices one period: the fixed-fee line, then one line per product meter in product order (missing
 * usage counts as "0"). subtotal = total = sum of the rounded line amounts.
 */
export function priceInvoice(product: Product, usageByMeter: Map<string, string>): { lines: InvoiceLine[]; subtotal: string; total: string } {
  const lines = [priceFixedFee(product), ...product.price.meters.map((price) => priceMeterUsage(price, usageByMeter.get(price.meter_id) ?? '0'))];
  const subtotal = decimalText(lines.reduce((sum, line) => sum.plus(line.amount), new Decimal(0)));
  return { lines, subtotal, total: subtotal };
}
