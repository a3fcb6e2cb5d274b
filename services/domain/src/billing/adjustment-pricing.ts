import { Decimal, decimalText } from '../decimal';
import type { MeterPrice } from '../model/catalog';
import { priceMeterUsage } from '../pricing/invoice-lines';

/** The change of one meter's charge for one period, exact decimal text (amount in the lowest denomination). */
export interface ChargeChange {
  /** Units after − units before. */
  units: string;
  /** The charge for the units after − the charge for the units before, each rounded once (half-up) as a meter line is. */
  amount: string;
}

/**
 * How billing prices a change of a period's usage: the difference between the meter line for the usage
 * after and the meter line for the usage before, each priced and rounded as its own invoice line. An
 * adjustment line of an invoiced period is `chargeChange(price, billed, now)`: what was billed for the
 * period so far against what it holds now, so a change is billed once and the rounding of every line
 * billed for the period adds up to the rounding of its usage now. POST /corrections/preview prices a
 * correction with the same function.
 */
export function chargeChange(price: MeterPrice, before: string, after: string): ChargeChange {
  const units = new Decimal(after).minus(before);
  const amount = new Decimal(priceMeterUsage(price, after).amount).minus(priceMeterUsage(price, before).amount);
  return { units: decimalText(units), amount: decimalText(amount) };
}
