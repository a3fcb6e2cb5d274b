import { Decimal, decimalText } from '../decimal';
import type { FieldError } from '../errors';
import type { ChargeModel } from './charge-model';
import { readPriceDecimal } from './price-decimals';

/** Dodo's default model: chargeable units × price_per_unit. */
export const perUnitPrice: ChargeModel = {
  validate(price) {
    const errors: FieldError[] = [];
    readPriceDecimal(errors, 'price_per_unit', price.price_per_unit, { sign: 'nonNegative' });
    return errors;
  },

  charge(price, chargeable) {
    const unitPrice = new Decimal(price.price_per_unit);
    return {
      chargeable_units: decimalText(chargeable),
      raw_amount: decimalText(chargeable.times(unitPrice)),
      price_per_unit: decimalText(unitPrice),
      breakdown: `${decimalText(chargeable)} × ${decimalText(unitPrice)}`,
      tiers: [],
    };
  },
};
