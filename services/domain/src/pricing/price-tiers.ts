import { Decimal, decimalText } from '../decimal';
import type { FieldError } from '../errors';
import type { InvoiceLineTier } from '../model/invoice';
import type { PricingModel, Tier } from '../model/catalog';
import type { MeterPriceInput } from './charge-model';
import { readPriceDecimal } from './price-decimals';

/** Tiers per price: bounds what one invoice line explains. */
export const MAX_TIERS = 50;

/** A checked tier: bounds and prices as exact decimals. */
export interface ParsedTier {
  upTo: Decimal | null;
  price: Decimal;
  flatFee: Decimal;
}

/**
 * Rules shared by the tiered models (graduated, volume): 1 to MAX_TIERS tiers, `up_to` strictly
 * ascending and positive, only the last tier unbounded (null), prices and flat fees ≥ 0. The price's
 * own `price_per_unit` prices nothing here but is shown (invoice adjustment lines, subscriptions), so
 * when given it is still a price.
 */
export function validateTiers(price: MeterPriceInput, model: PricingModel): FieldError[] {
  const errors: FieldError[] = [];
  readPriceDecimal(errors, 'price_per_unit', price.price_per_unit, { sign: 'nonNegative', optional: true });
  const tiers = price.tiers;
  if (tiers === undefined || tiers.length === 0) return [...errors, { field: 'tiers', message: `at least one tier is required for the ${model} model` }];
  if (tiers.length > MAX_TIERS) return [...errors, { field: 'tiers', message: `at most ${MAX_TIERS} tiers` }];
  let previousUpTo = new Decimal(0);
  tiers.forEach((tier, i) => {
    const at = `tiers[${i}]`;
    const isLast = i === tiers.length - 1;
    if (tier.up_to === null) {
      if (!isLast) errors.push({ field: `${at}.up_to`, message: 'only the last tier may be unbounded (null)' });
    } else if (isLast) {
      errors.push({ field: `${at}.up_to`, message: 'the last tier must be unbounded (null)' });
    } else {
      const upTo = readPriceDecimal(errors, `${at}.up_to`, tier.up_to, { sign: 'any' });
      if (upTo?.lte(previousUpTo)) {
        errors.push({ field: `${at}.up_to`, message: `tiers must be strictly ascending and positive, ${tier.up_to} <= ${decimalText(previousUpTo)}` });
      } else if (upTo) previousUpTo = upTo;
    }
    readPriceDecimal(errors, `${at}.price_per_unit`, tier.price_per_unit, { sign: 'nonNegative' });
    readPriceDecimal(errors, `${at}.flat_fee`, tier.flat_fee, { sign: 'nonNegative', optional: true });
  });
  return errors;
}

/** Tiers of a price `validateTiers` accepted, as exact decimals. */
export function parseTiers(tiers: readonly Tier[]): ParsedTier[] {
  return tiers.map((tier) => ({
    upTo: tier.up_to === null ? null : new Decimal(tier.up_to),
    price: new Decimal(tier.price_per_unit),
    flatFee: new Decimal(tier.flat_fee ?? 0),
  }));
}

/** The invoice line's record of a tier that priced `units` for `amount`. */
export function tierPart(tier: ParsedTier, units: Decimal, amount: Decimal): InvoiceLineTier {
  return {
    up_to: tier.upTo === null ? null : decimalText(tier.upTo),
    units: decimalText(units),
    price_per_unit: decimalText(tier.price),
    flat_fee: decimalText(tier.flatFee),
    amount: decimalText(amount),
  };
}

/** "units × price", plus " + flat fee" when the tier has one. */
export function tierText(units: Decimal, tier: ParsedTier): string {
  const flat = tier.flatFee.gt(0) ? ` + flat ${decimalText(tier.flatFee)}` : '';
  return `${decimalText(units)} × ${decimalText(tier.price)}${flat}`;
}
