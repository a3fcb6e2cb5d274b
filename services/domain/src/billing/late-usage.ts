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
}

/**
 * How far back billing looks for late usage. The router counts an event, and applies a void or amend of
 * one, up to the backfill limit (BACKFILL_MAX_AGE_DAYS) before its Kafka record time, whatever its
 * deduplication window (older events go to the DLQ: route-decision.ts, beyondBackfillLimit); a period
 * closes `grace` after its end. So an invoiced period ending before `now - (limit + grace)` can no
 * longer change, and every later one can.
 */
export function lateUsageSince(now: number, { backfillMaxAgeMs, graceMs }: { backfillMaxAgeMs: number; graceMs: number }): number {
  return now - (backfillMaxAgeMs + graceMs);
}

/**
 * The late usage of a subscription's invoiced periods: each meter whose total now differs from the units
 * billed for that period. Compared against everything billed so far (meter lines plus earlier
 * adjustments), so late usage is billed once. `current` answers undefined for a meter the catalog no
 * longer has, which is left alone.
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
      if (!new Decimal(now).eq(billed)) late.push({ periodStart: period.start, periodEnd: period.end, meterId, billed, current: now });
    }
  }
  return late;
}
