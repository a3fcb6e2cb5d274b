import type { ClosingPeriod, DuePeriod } from './period-closing';

/**
 * How billing splits the due periods of one period (a group of periodsToClose) into usage reads of at
 * most `size` subscriptions each: in customer id order.
 *
 * ClickHouse keeps usage ordered by (meter_id, customer_id, window_start) and a read names its customers
 * with `customer_id IN (…)`, so the primary key narrows the read to the granules of those customers.
 * Customers that are neighbours in that order share a few neighbouring granules: each read scans its own
 * slice of the table. Taken in catalog order, the customers of one read are spread over the whole table
 * (real ids follow no useful order) and every read scans nearly all of it, so a close costs reads × table
 * size: quadratic in subscriptions.
 *
 * Order is by UTF-16 code units (JavaScript's `<`); ClickHouse compares UTF-8 bytes, which is the same
 * order for ASCII ids and for others only makes the slices less tight, never a read wrong. The sort is
 * stable: a customer's subscriptions keep their order.
 */
export function closeBatches<P extends ClosingPeriod>(group: readonly DuePeriod<P>[], size: number): DuePeriod<P>[][] {
  if (!(size >= 1)) throw new RangeError(`batch size must be at least 1, got ${size}`);
  const sorted = [...group].sort((a, b) => compareIds(a.subscription.customer_id, b.subscription.customer_id));
  const batches: DuePeriod<P>[][] = [];
  for (let i = 0; i < sorted.length; i += size) batches.push(sorted.slice(i, i + size));
  return batches;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
