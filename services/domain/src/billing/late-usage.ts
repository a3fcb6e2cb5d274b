import { Decimal } from '../decimal';
import type { BilledUsage } from './invoice-ledger';

/** Usage of an invoiced period that differs from what its invoices billed: one adjustment line. */
export interface LateUsage {
  periodStart: string;
  periodEnd: string;
  meterId: string;
  /** Units billed for that period so far. */
  billed: string;
  /** Units that period holds now. */
  current: string;
  /**
   * Ids of the corrections and backfill batches with records in this meter, customer and period that no
   * earlier line of the period listed, sorted (correctionsToList); empty for plain late usage.
   */
  corrections: string[];
}

/**
 * How far back billing re-checks invoiced periods when it closes the period that starts at
 * `closingPeriodStart` (epoch ms): every invoiced period of the subscription that ends at or after the
 * time returned (InvoiceLedger.periodsSince).
 *
 * An invoiced period changes as long as an event in it can still count or be corrected: the router takes
 * a new event up to its deduplication window old (by the clock), and a backfilled event, a void or an
 * amend up to BACKFILL_MAX_AGE_DAYS old (by the Kafka record time; older ones go to the DLQ, and the
 * gateway refuses them before). So `lookback` = max(dedup window, backfill max age).
 *
 * What this close must bill is what landed since the subscription's previous close, the close of the
 * period that ended at `closingPeriodStart`: that close ran no earlier than closingPeriodStart + grace
 * and billed everything it read, and a record that lands later belongs to an event no older than
 * lookback before it, hence to a period ending after closingPeriodStart + grace − lookback. The horizon
 * is measured from the closing period's start, not from now: a period longer than the lookback (a
 * monthly plan with the 35-day limit) would otherwise let a change that lands just after one close fall
 * out of the next close's horizon unbilled. Since now ≥ closingPeriodStart + grace, the horizon holds
 * every period ending within lookback + grace before now, and more; the grace it leaves in is a margin
 * for a record whose Kafka time is a little older than the close that did not see it.
 */
export function lateUsageSince(closingPeriodStart: number, dedupWindowMs: number, backfillMaxAgeMs: number): number {
  return closingPeriodStart - Math.max(dedupWindowMs, backfillMaxAgeMs);
}

/**
 * The late usage of a subscription's invoiced periods: each meter whose total now differs from the units
 * billed for that period. Compared against everything billed so far (meter lines plus earlier
 * adjustments), so late usage is billed once. `current` answers undefined for a meter the catalog no
 * longer has, which is left alone. The items carry no corrections yet (listCorrections adds them).
 */
export function lateUsage(
  billedPeriods: readonly BilledUsage[],
  meterIds: readonly string[],
  current: (period: BilledUsage, meterId: string) => string | undefined,
): LateUsage[] {
  const late: LateUsage[] = [];
  for (const period of billedPeriods) {
    for (const meterId of meterIds) {
      const now = current(period, meterId);
      if (now === undefined) continue;
      const billed = period.billed(meterId);
      if (!new Decimal(now).eq(billed)) late.push({ periodStart: period.start, periodEnd: period.end, meterId, billed, current: now, corrections: [] });
    }
  }
  return late;
}

/**
 * The ids a line lists (InvoiceLine.corrections): the correction and backfill-batch ids stored in its
 * meter, customer and period (every record version's, removed ones included) that no earlier line of the
 * same subscription, period and meter listed, once each, sorted (by UTF-16 code units, as
 * Array.prototype.sort does), so that every build of the same invoice lists them alike.
 */
export function correctionsToList(stored: Iterable<string>, listed: ReadonlySet<string> = new Set()): string[] {
  return [...new Set(stored)].filter((id) => id !== '' && !listed.has(id)).sort();
}

/**
 * The late usage with the ids each adjustment line lists: `stored` answers the ids with records in the
 * item's meter and period (for the subscription's customer), `billedPeriods` (the subscription's) what
 * the lines of each period listed so far.
 */
export function listCorrections(
  late: readonly LateUsage[],
  billedPeriods: readonly BilledUsage[],
  stored: (item: LateUsage) => readonly string[],
): LateUsage[] {
  const byStart = new Map(billedPeriods.map((p) => [p.start, p]));
  return late.map((item) => ({ ...item, corrections: correctionsToList(stored(item), byStart.get(item.periodStart)?.listed(item.meterId)) }));
}
