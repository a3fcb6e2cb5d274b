import { Decimal, decimalText } from '../decimal';
import type { InvoiceLineTier } from '../model/invoice';
import type { MeterPrice } from '../model/catalog';
import type { ChargeModel } from './charge-model';
import { parseTiers, tierPart, tierText, validateTiers } from './price-tiers';

/**
 * Chargeable units are split across the tiers, each part priced at its tier's price, plus the flat
 * fee of every tier that receives units. `price_per_unit` prices nothing.
 */
export const graduatedPrice: ChargeModel = {
  validate: (price) => validateTiers(price, 'graduated'),

  charge(price, chargeable) {
    let amount = new Decimal(0);
    const parts: string[] = [];
    const used: InvoiceLineTier[] = [];
    let lowerBound = new Decimal(0);
    for (const tier of parseTiers(price.tiers ?? [])) {
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
  },
};

/**
 * A graduated line has no single unit price; where one is shown (Dodo's usage history), it is the
 * price of the tier that holds chargeable unit number `chargeable` + 1 (a tier ends at its `up_to`,
 * inclusive). Without tiers it is `price_per_unit`.
 */
export function nextUnitPrice(price: MeterPrice, chargeable: string): string {
  const units = new Decimal(chargeable);
  const tier = (price.tiers ?? []).find((t) => t.up_to === null || units.lt(t.up_to));
  return tier ? decimalText(new Decimal(tier.price_per_unit)) : decimalText(new Decimal(price.price_per_unit));
}
