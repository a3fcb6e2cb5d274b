import { Decimal, decimalText, type InvoiceLine, type InvoiceLineTier, type MeterPrice, type Product } from '@meterstream/domain';

/**
 * Pricing of one billing period: pure functions, no I/O. Every quantity and amount is exact decimal
 * text in and out; arithmetic uses `Decimal` (80 significant digits), which holds any product of two
 * Decimal(38, 12) values exactly.
 *
 * Rounding rule: the charge of a line is computed exactly and rounded once, half-up (x.5 goes up), to a
 * whole number of the currency's lowest denomination (e.g. cents). Nothing is rounded before that:
 * not units, not tiers, not flat fees. The subtotal is the sum of the rounded line amounts.
 */

export type PricingModel = 'per_unit' | 'graduated' | 'volume' | 'package';

/** One price tier. Tier i covers chargeable units above the previous tier's `up_to`, up to and including its own. */
export interface Tier {
  /** Decimal text; null means unbounded, and only the last tier is unbounded. */
  up_to: string | null;
  /** Decimal text, up to 12 fraction digits, lowest denomination per unit. */
  price_per_unit: string;
  /** Decimal text, lowest denomination, charged once when the tier is reached. */
  flat_fee?: string;
}

/**
 * Dodo's MeterPrice plus pricing-model extensions. `free_threshold` applies to every model: only units
 * above it are chargeable. With no chargeable units the charge is 0 in every model (no flat fee).
 * - per_unit (default): chargeable × price_per_unit.
 * - graduated: chargeable units are split across `tiers`, each part priced at its tier's price, plus the
 *   flat fee of every tier that receives units.
 * - volume: the tier containing the chargeable quantity prices all of it, plus that tier's flat fee.
 * - package: ceil(chargeable / package_size) packages × price_per_unit (the price of one package).
 */
export interface MeterPriceModel extends MeterPrice {
  model?: PricingModel;
  tiers?: Tier[];
  /** Decimal text > 0; units per package, for the package model. */
  package_size?: string;
}

/** A meter's charge before rounding, for audit and tests. */
export interface MeterCharge {
  chargeable_units: string;
  /** Exact, unrounded charge in the lowest denomination. */
  raw_amount: string;
  /** Price applied to every chargeable unit (per package for `package`), or null when it varies (graduated). */
  price_per_unit: string | null;
  /** Compact human-readable breakdown, e.g. "100 × 2 + 50 × 1 + flat 10". */
  breakdown: string;
  /** Graduated and volume: the tiers that priced units, in order; empty for the other models. */
  tiers: InvoiceLineTier[];
}

const PLAIN_DECIMAL = /^-?\d+(\.\d+)?$/;
const MAX_PRICE_DECIMALS = 12;

/** Exact charge for one meter, unrounded. Throws an Error naming the field when the price is invalid. */
export function meterCharge(price: MeterPriceModel, usage: string): MeterCharge {
  const model = price.model ?? 'per_unit';
  checkModelFields(price, model);
  const usageUnits = parseDecimal('usage', usage);
  const freeThreshold = parseNonNegative(`${price.meter_id}.free_threshold`, price.free_threshold);
  const overThreshold = usageUnits.minus(freeThreshold);
  const chargeable = overThreshold.gt(0) ? overThreshold : new Decimal(0);

  switch (model) {
    case 'per_unit':
      return perUnitCharge(price, chargeable);
    case 'graduated':
      return graduatedCharge(parseTiers(price), chargeable);
    case 'volume':
      return volumeCharge(parseTiers(price), chargeable);
    case 'package':
      return packageCharge(price, chargeable);
    default:
      throw new Error(`${price.meter_id}.model: unknown pricing model "${String(model)}"`);
  }
}

/** Rounds an exact amount once, half-up, to a whole number of the lowest denomination. */
export function roundAmount(rawAmount: string): string {
  return decimalText(new Decimal(rawAmount).toDecimalPlaces(0, Decimal.ROUND_HALF_UP));
}

/** The invoice line of one meter for one period's usage (decimal text). */
export function priceMeterUsage(price: MeterPriceModel, usage: string): InvoiceLine {
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

/** The fixed-fee line of a product; `fixed_price` must be a non-negative whole number of the lowest denomination. */
export function priceFixedFee(product: Product): InvoiceLine {
  const fixedPrice = product.price.fixed_price;
  if (!Number.isSafeInteger(fixedPrice) || fixedPrice < 0) {
    throw new Error(`${product.product_id}.price.fixed_price: must be a non-negative whole number, got ${fixedPrice}`);
  }
  return {
    type: 'fixed',
    meter_id: null,
    description: `${product.name}: fixed fee`,
    units_consumed: null,
    free_threshold: null,
    chargeable_units: null,
    price_per_unit: null,
    amount: decimalText(new Decimal(fixedPrice)),
    pricing_model: null,
    tiers: [],
  };
}

/**
 * Prices one period: the fixed-fee line, then one line per product meter in product order (missing
 * usage counts as "0"). subtotal = total = sum of the rounded line amounts.
 */
export function priceInvoice(
  product: Product,
  usageByMeter: Map<string, string>,
): { lines: InvoiceLine[]; subtotal: string; total: string } {
  const meterPrices: MeterPriceModel[] = product.price.meters;
  const lines = [
    priceFixedFee(product),
    ...meterPrices.map((price) => priceMeterUsage(price, usageByMeter.get(price.meter_id) ?? '0')),
  ];
  const subtotal = decimalText(lines.reduce((sum, line) => sum.plus(line.amount), new Decimal(0)));
  return { lines, subtotal, total: subtotal };
}

function perUnitCharge(price: MeterPriceModel, chargeable: Decimal): MeterCharge {
  const unitPrice = parsePrice(`${price.meter_id}.price_per_unit`, price.price_per_unit);
  return {
    chargeable_units: decimalText(chargeable),
    raw_amount: decimalText(chargeable.times(unitPrice)),
    price_per_unit: decimalText(unitPrice),
    breakdown: `${decimalText(chargeable)} × ${decimalText(unitPrice)}`,
    tiers: [],
  };
}

function packageCharge(price: MeterPriceModel, chargeable: Decimal): MeterCharge {
  const packagePrice = parsePrice(`${price.meter_id}.price_per_unit`, price.price_per_unit);
  const packageSize = parseDecimal(`${price.meter_id}.package_size`, price.package_size ?? '');
  if (packageSize.lte(0)) throw new Error(`${price.meter_id}.package_size: must be greater than 0`);
  const wholePackages = chargeable.divToInt(packageSize);
  const packages = wholePackages.times(packageSize).lt(chargeable) ? wholePackages.plus(1) : wholePackages;
  return {
    chargeable_units: decimalText(chargeable),
    raw_amount: decimalText(packages.times(packagePrice)),
    price_per_unit: decimalText(packagePrice),
    breakdown: `${decimalText(packages)} packages of ${decimalText(packageSize)} × ${decimalText(packagePrice)}`,
    tiers: [],
  };
}

interface ParsedTier {
  upTo: Decimal | null;
  price: Decimal;
  flatFee: Decimal;
}

function graduatedCharge(tiers: ParsedTier[], chargeable: Decimal): MeterCharge {
  let amount = new Decimal(0);
  const parts: string[] = [];
  const used: InvoiceLineTier[] = [];
  let lowerBound = new Decimal(0);
  for (const tier of tiers) {
    if (chargeable.lte(lowerBound)) break;
    const upper = tier.upTo === null || chargeable.lt(tier.upTo) ? chargeable : tier.upTo;
    const units = upper.minus(lowerBound);
    const tierAmount = units.times(tier.price).plus(tier.flatFee);
    amount = amount.plus(tierAmount);
    parts.push(tierText(units, tier));
    used.push(tierPart(tier, units, tierAmount));
    if (tier.upTo === null) break;
    lowerBound = tier.upTo;
  }
  return {
    chargeable_units: decimalText(chargeable),
    raw_amount: decimalText(amount),
    price_per_unit: null,
    breakdown: parts.length > 0 ? `graduated ${parts.join(' + ')}` : 'graduated 0',
    tiers: used,
  };
}

function volumeCharge(tiers: ParsedTier[], chargeable: Decimal): MeterCharge {
  // parseTiers guarantees the last tier is unbounded, so find() always succeeds.
  const tier = tiers.find((t) => t.upTo === null || chargeable.lte(t.upTo)) as ParsedTier;
  const amount = chargeable.gt(0) ? chargeable.times(tier.price).plus(tier.flatFee) : new Decimal(0);
  return {
    chargeable_units: decimalText(chargeable),
    raw_amount: decimalText(amount),
    price_per_unit: decimalText(tier.price),
    breakdown: chargeable.gt(0) ? `volume ${tierText(chargeable, tier)}` : 'volume 0',
    tiers: chargeable.gt(0) ? [tierPart(tier, chargeable, amount)] : [],
  };
}

function tierPart(tier: ParsedTier, units: Decimal, amount: Decimal): InvoiceLineTier {
  return {
    up_to: tier.upTo === null ? null : decimalText(tier.upTo),
    units: decimalText(units),
    price_per_unit: decimalText(tier.price),
    flat_fee: decimalText(tier.flatFee),
    amount: decimalText(amount),
  };
}

function tierText(units: Decimal, tier: ParsedTier): string {
  const flat = tier.flatFee.gt(0) ? ` + flat ${decimalText(tier.flatFee)}` : '';
  return `${decimalText(units)} × ${decimalText(tier.price)}${flat}`;
}

function parseTiers(price: MeterPriceModel): ParsedTier[] {
  const field = `${price.meter_id}.tiers`;
  const tiers = price.tiers ?? [];
  if (tiers.length === 0) throw new Error(`${field}: at least one tier is required for the ${price.model} model`);
  let previousUpTo = new Decimal(0);
  return tiers.map((tier, i) => {
    const isLast = i === tiers.length - 1;
    let upTo: Decimal | null = null;
    if (tier.up_to === null) {
      if (!isLast) throw new Error(`${field}[${i}].up_to: only the last tier may be unbounded (null)`);
    } else {
      if (isLast) throw new Error(`${field}[${i}].up_to: the last tier must be unbounded (null)`);
      upTo = parseDecimal(`${field}[${i}].up_to`, tier.up_to);
      if (upTo.lte(previousUpTo)) {
        throw new Error(`${field}[${i}].up_to: tiers must be strictly ascending and positive, ${tier.up_to} <= ${decimalText(previousUpTo)}`);
      }
      previousUpTo = upTo;
    }
    return {
      upTo,
      price: parsePrice(`${field}[${i}].price_per_unit`, tier.price_per_unit),
      flatFee: tier.flat_fee === undefined ? new Decimal(0) : parseNonNegative(`${field}[${i}].flat_fee`, tier.flat_fee),
    };
  });
}

function checkModelFields(price: MeterPriceModel, model: PricingModel): void {
  const tiered = model === 'graduated' || model === 'volume';
  if (!tiered && price.tiers !== undefined) {
    throw new Error(`${price.meter_id}.tiers: only allowed with the graduated or volume model, not ${model}`);
  }
  if (model !== 'package' && price.package_size !== undefined) {
    throw new Error(`${price.meter_id}.package_size: only allowed with the package model, not ${model}`);
  }
}

function parseDecimal(field: string, text: string): Decimal {
  if (typeof text !== 'string' || !PLAIN_DECIMAL.test(text)) {
    throw new Error(`${field}: expected plain decimal text, got ${JSON.stringify(text)}`);
  }
  return new Decimal(text);
}

function parseNonNegative(field: string, text: string): Decimal {
  const value = parseDecimal(field, text);
  if (value.isNegative() && !value.isZero()) throw new Error(`${field}: must not be negative, got ${text}`);
  return value;
}

function parsePrice(field: string, text: string): Decimal {
  const value = parseNonNegative(field, text);
  if (value.decimalPlaces() > MAX_PRICE_DECIMALS) {
    throw new Error(`${field}: at most ${MAX_PRICE_DECIMALS} decimal places, got ${text}`);
  }
  return value;
}

/**
 * Problems of a meter price, empty when it prices. Each names its field relative to the price
 * (`price_per_unit`, `tiers[1].up_to`, `package_size`, …). It prices zero usage, so it accepts exactly
 * what pricing accepts; like pricing, it stops at the first problem.
 */
export function validateMeterPrice(price: MeterPriceModel): { field: string; message: string }[] {
  try {
    meterCharge(price, '0');
    return [];
  } catch (err) {
    // Pricing errors read "<meter_id>.<field>: <message>".
    const message = (err as Error).message;
    const prefix = `${price.meter_id}.`;
    const colon = message.indexOf(': ', prefix.length);
    if (!message.startsWith(prefix) || colon < 0) return [{ field: '', message }];
    return [{ field: message.slice(prefix.length, colon), message: message.slice(colon + 2) }];
  }
}
