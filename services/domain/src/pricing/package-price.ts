import { Decimal, decimalText } from '../decimal';
import type { FieldError } from '../errors';
import type { ChargeModel } from './charge-model';
import { readPriceDecimal } from './price-decimals';

/**
 * ceil(chargeable / package_size) packages × price_per_unit (the price of one package): a started
 * package is charged whole.
 */
export const packagePrice: ChargeModel = {
  validate(price) {
    const errors: FieldError[] = [];
    readPriceDecimal(errors, 'price_per_unit', price.price_per_unit, { sign: 'nonNegative' });
    readPriceDecimal(errors, 'package_size', price.package_size, { sign: 'positive', required: 'required for the package model: units per package' });
    return errors;
  },

  charge(price, chargeable) {
    const packagePrice = new Decimal(price.price_per_unit);
    const packageSize = new Decimal(price.package_size as string);
    const wholePackages = chargeable.divToInt(packageSize);
    const packages = wholePackages.times(packageSize).lt(chargeable) ? wholePackages.plus(1) : wholePackages;
    return {
      chargeable_units: decimalText(chargeable),
      raw_amount: decimalText(packages.times(packagePrice)),
      price_per_unit: decimalText(packagePrice),
      breakdown: `${decimalText(packages)} packages of ${decimalText(packageSize)} × ${decimalText(packagePrice)}`,
      tiers: [],
    };
  },
};
