import type { Product, Subscription } from '../model/catalog';

/** A billing period, epoch ms: start inclusive, end exclusive. */
export interface ClosingPeriod {
  start: number;
  end: number;
}

/** One subscription period to invoice now. */
export interface DuePeriod<P extends ClosingPeriod = ClosingPeriod> {
  subscription: Subscription;
  product: Product;
  period: P;
}

/**
 * The period arithmetic (services/billing/src/billing-periods.ts `duePeriods`): the periods of a
 * subscription anchored at `anchor` whose end, or `endsAt` for the last one, lies at or before now - grace.
 */
export type DuePeriodsOf<P extends ClosingPeriod> = (
  anchor: number,
  interval: Product['price']['payment_frequency_interval'],
  count: number,
  now: number,
  graceMs: number,
  endsAt: number | null,
) => P[];

export interface ClosingInput<P extends ClosingPeriod> {
  subscriptions: readonly Subscription[];
  productOf(productId: string): Product | undefined;
  /** True when this subscription period has an issued invoice (the ledger knows its invoice id). */
  isInvoiced(subscriptionId: string, period: P): boolean;
  duePeriods: DuePeriodsOf<P>;
  now: number;
  graceMs: number;
}

/**
 * Which periods billing closes now: every period of every subscription whose end plus the grace has
 * passed (a cancelled subscription's last period ends at `ends_at`) and that has no invoice yet. A
 * subscription whose product is gone is skipped. Grouped by period (same start and end), groups in the
 * order first met, so that one usage read serves each group.
 */
export function periodsToClose<P extends ClosingPeriod>(input: ClosingInput<P>): DuePeriod<P>[][] {
  const groups = new Map<string, DuePeriod<P>[]>();
  for (const subscription of input.subscriptions) {
    const product = input.productOf(subscription.product_id);
    if (!product) continue;
    const endsAt = subscription.ends_at ? Date.parse(subscription.ends_at) : null;
    const { payment_frequency_interval: interval, payment_frequency_count: count } = product.price;
    for (const period of input.duePeriods(Date.parse(subscription.start), interval, count, input.now, input.graceMs, endsAt)) {
      if (input.isInvoiced(subscription.subscription_id, period)) continue;
      const key = `${period.start}-${period.end}`;
      // Appended in place: copying the group on every append (`[...group, due]`) made this quadratic in
      // the subscriptions that share a period (79 s for 100,000 of them, 0.2 s for 10,000).
      const group = groups.get(key);
      if (group) group.push({ subscription, product, period });
      else groups.set(key, [{ subscription, product, period }]);
    }
  }
  return [...groups.values()];
}

/**
 * The usage an invoice prices, per meter of the product: the meter's total for the period, and zero
 * for a meter the catalog no longer has (`totalOf` answers undefined for it).
 */
export function invoiceUsage(product: Product, totalOf: (meterId: string) => string | undefined): Map<string, string> {
  return new Map(product.price.meters.map((price) => [price.meter_id, totalOf(price.meter_id) ?? '0']));
}
