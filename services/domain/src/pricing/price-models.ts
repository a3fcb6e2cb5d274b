import { PRICING_MODELS, type PricingModel } from '../model/catalog';
import type { ChargeModel } from './charge-model';
import { graduatedPrice } from './graduated-price';
import { packagePrice } from './package-price';
import { perUnitPrice } from './per-unit-price';
import { volumePrice } from './volume-price';

const CHARGE_MODELS: Record<PricingModel, ChargeModel> = {
  per_unit: perUnitPrice,
  graduated: graduatedPrice,
  volume: volumePrice,
  package: packagePrice,
};

export const isPricingModel = (model: unknown): model is PricingModel => PRICING_MODELS.includes(model as PricingModel);

/** The pricing model of a price (per_unit when it names none). */
export function chargeModelOf(model: PricingModel | undefined): ChargeModel {
  return CHARGE_MODELS[model ?? 'per_unit'];
}
