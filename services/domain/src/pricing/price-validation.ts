import type { FieldError } from '../errors';
import { PRICING_MODELS } from '../model/catalog';
import type { MeterPriceInput } from './charge-model';
import { readPriceDecimal } from './price-decimals';
import { chargeModelOf, isPricingModel } from './price-models';

/**
 * Problems of a meter price, empty when it prices: the one check behind product creation, catalog
 * seed files and the pricer (which refuses what this refuses, so creation and billing cannot
 * disagree). Each problem names its field relative to the price (`price_per_unit`, `tiers[1].up_to`,
 * `package_size`, …). Absent `free_threshold` means "0".
 */
export function validateMeterPrice(price: MeterPriceInput): FieldError[] {
  const model = price.model ?? 'per_unit';
  const errors: FieldError[] = [];
  if (model !== 'graduated' && model !== 'volume' && price.tiers !== undefined) {
    errors.push({ field: 'tiers', message: `only allowed with the graduated or volume model, not ${model}` });
  }
  if (model !== 'package' && price.package_size !== undefined) {
    errors.push({ field: 'package_size', message: `only allowed with the package model, not ${model}` });
  }
  readPriceDecimal(errors, 'free_threshold', price.free_threshold, { sign: 'nonNegative', optional: true });
  if (!isPricingModel(model)) return [...errors, { field: 'model', message: `one of ${PRICING_MODELS.join(', ')}` }];
  return [...errors, ...chargeModelOf(model).validate(price)];
}

/** Problems of a product's fixed fee: a whole number ≥ 0 of the currency's lowest denomination. */
export function validateFixedPrice(fixedPrice: unknown): FieldError[] {
  if (typeof fixedPrice === 'number' && Number.isSafeInteger(fixedPrice) && fixedPrice >= 0) return [];
  return [{ field: 'fixed_price', message: `a whole number ≥ 0 in the currency's lowest denomination, got ${String(fixedPrice)}` }];
}
