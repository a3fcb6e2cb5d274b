import { chargeChange } from '../billing/adjustment-pricing';
import type { MeterPrice, Product, Subscription } from '../model/catalog';
import type { MeterRecord } from '../model/meter';
import type { Period } from '../periods/billing-periods';
import { periodHolding } from '../periods/subscription-periods';

/** One billing period a correction changes: a subscription of the customer whose product prices the meter. */
export interface PreviewSlot {
  meterId: string;
  subscription: Subscription;
  product: Product;
  price: MeterPrice;
  /** The subscription's period that holds the event time (clipped at its end). */
  period: Period;
}

/**
 * Where a correction of an event at `eventTime` lands in billing: for each meter it changes (in the
 * order given), each subscription of the customer whose product prices that meter and that ran at the
 * event time, with the period holding the event time (periodHolding, as billing bills the event).
 */
export function previewSlots(
  customerId: string,
  eventTime: number,
  meterIds: readonly string[],
  subscriptions: readonly Subscription[],
  productOf: (productId: string) => Product | undefined,
): PreviewSlot[] {
  const slots: PreviewSlot[] = [];
  const mine = subscriptions.filter((s) => s.customer_id === customerId).sort((a, b) => (a.subscription_id < b.subscription_id ? -1 : a.subscription_id > b.subscription_id ? 1 : 0));
  for (const meterId of meterIds) {
    for (const subscription of mine) {
      const product = productOf(subscription.product_id);
      const price = product?.price.meters.find((m) => m.meter_id === meterId);
      if (!product || !price) continue;
      const period = periodHolding(subscription, product.price, eventTime);
      if (period) slots.push({ meterId, subscription, product, price, period });
    }
  }
  return slots;
}

/** What a correction does to one meter's charge in one period (exact decimal text; amounts in the lowest denomination). */
export interface PeriodEffect {
  /** The period's usage of the meter now. */
  usage_now: string;
  /** Its usage with the correction applied. */
  usage_after: string;
  /** Whether the period has an issued invoice. */
  invoiced: boolean;
  /** Invoiced: the units billed for the period so far (its meter line and every adjustment of it); else null. */
  billed_units: string | null;
  /**
   * Invoiced: the adjustment the next invoice would carry for this meter and period (usage after against
   * billed units, chargeChange, as billing prices adjustments: none when they are equal). Open: the change
   * of the meter line's charge (usage after against usage now).
   */
  units_change: string;
  amount_change: string;
}

/** The effect of a correction on one period of one meter (pure): see PeriodEffect. */
export function periodEffect(price: MeterPrice, usageNow: string, usageAfter: string, billed: string | null): PeriodEffect {
  const change = chargeChange(price, billed ?? usageNow, usageAfter);
  return { usage_now: usageNow, usage_after: usageAfter, invoiced: billed !== null, billed_units: billed, units_change: change.units, amount_change: change.amount };
}

/** The record of the event in one meter after a correction (what the usage query substitutes): null when removed. */
export function recordAfter(record: MeterRecord): { value: string; uniqueKey: string | null } | null {
  if (record.change === 'remove') return null;
  return { value: record.value ?? '0', uniqueKey: record.unique_key };
}
