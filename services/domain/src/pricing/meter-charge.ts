import { Decimal } from '../decimal';
import type { MeterPrice } from '../model/catalog';
import type { MeterCharge } from './charge-model';
import { parsePlainDecimal } from './price-decimals';
import { chargeModelOf } from './price-models';
import { validateMeterPrice } from './price-validation';

/**
 * Exact charge for one meter's usage (decimal text), unrounded. Only units above `free_threshold`
 * are chargeable; with none, the charge is 0 in every model. Throws an Error naming the field
 * ("<meter_id>.<field>: …") when the price is invalid.
 */
export function meterCharge(price: MeterPrice, usage: string): MeterCharge {
  const [problem] = validateMeterPrice(price);
  if (problem) throw new Error(`${price.meter_id}.${problem.field}: ${problem.message}`);
  const overThreshold = parsePlainDecimal('usage', usage).minus(price.free_threshold ?? '0');
  const chargeable = overThreshold.gt(0) ? overThreshold : new Decimal(0);
  return chargeModelOf(price.model).charge(price, chargeable);
}
