import { Decimal, decimalText } from '../decimal';
import type { ChargeModel } from './charge-model';
import { parseTiers, tierPart, tierText, validateTiers, type ParsedTier } from './price-tiers';

/**
 * The tier containing the chargeable quantity prices all of it, plus that tier's flat fee.
 * `price_per_unit` prices nothing.
 */
export const volumePrice: ChargeModel = {
  validate: (price) => validateTiers(price, 'volume'),

  charge(price, chargeable) {
    // validateTiers guarantees the last tier is unbounded, so find() always succeeds.
    const tier = parseTiers(price.tiers ?? []).find((t) => t.upTo === null || chargeable.lte(t.upTo)) as ParsedTier;
    const amount = chargeable.gt(0) ? chargeable.times(tier.price).plus(tier.flatFee) : new Decimal(0);
    return {
      chargeable_units: decimalText(chargeable),
      raw_amount: decimalText(amount),
      price_per_unit: decimalText(tier.price),
      breakdown: chargeable.gt(0) ? `volume ${tierText(chargeable, tier)}` : 'volume 0',
      tiers: chargeable.gt(0) ? [tierPart(tier, chargeable, amount)] : [],
    };
  },
};
