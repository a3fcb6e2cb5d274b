import type { Subscription } from '../model/catalog';
import { clipPeriod, period, periodAt, type Interval, type Period } from './billing-periods';

/** A product's billing cycle (its usage-based price's payment frequency). */
export interface BillingCycle {
  payment_frequency_interval: Interval;
  payment_frequency_count: number;
}

/**
 * Billing periods of a subscription as billing closes them (billing-periods.ts, duePeriods):
 * contiguous periods from `start`, the last one cut short at `ends_at` when the subscription ended
 * mid-period. Pure: `now` is an argument.
 */
const anchorOf = (s: Pick<Subscription, 'start'>) => Date.parse(s.start);
const endOf = (s: Pick<Subscription, 'ends_at'>) => (s.ends_at ? Date.parse(s.ends_at) : null);

/** Every period that has begun by `now` (and before the subscription ended), most recent first. */
export function elapsedPeriods(subscription: Pick<Subscription, 'start' | 'ends_at'>, cycle: BillingCycle, now: number): Period[] {
  const anchor = anchorOf(subscription);
  const endsAt = endOf(subscription);
  const last = endsAt === null ? now : Math.min(now, endsAt - 1);
  if (last < anchor) return [];
  const { payment_frequency_interval: interval, payment_frequency_count: count } = cycle;
  const periods: Period[] = [];
  for (let index = periodAt(anchor, interval, count, last).index; index >= 0; index--) {
    periods.push(clipPeriod(period(anchor, interval, count, index), endsAt));
  }
  return periods;
}

/** The period open at `now` (clipped to the subscription's end); null once the subscription has ended. */
export function openPeriod(subscription: Pick<Subscription, 'start' | 'ends_at'>, cycle: BillingCycle, now: number): Period | null {
  const anchor = anchorOf(subscription);
  const endsAt = endOf(subscription);
  if (endsAt !== null && endsAt <= now) return null;
  const { payment_frequency_interval: interval, payment_frequency_count: count } = cycle;
  return clipPeriod(periodAt(anchor, interval, count, Math.max(now, anchor)), endsAt);
}

/**
 * The period that holds `at` (epoch ms), clipped to the subscription's end; null when `at` lies before
 * its start or at or after its end. Billing bills an event of time `at` in this period.
 */
export function periodHolding(subscription: Pick<Subscription, 'start' | 'ends_at'>, cycle: BillingCycle, at: number): Period | null {
  const anchor = anchorOf(subscription);
  const endsAt = endOf(subscription);
  if (at < anchor || (endsAt !== null && at >= endsAt)) return null;
  const { payment_frequency_interval: interval, payment_frequency_count: count } = cycle;
  return clipPeriod(periodAt(anchor, interval, count, at), endsAt);
}

/** The open period, else the last one (an ended subscription); null when none began. */
export function currentPeriod(subscription: Pick<Subscription, 'start' | 'ends_at'>, cycle: BillingCycle, now: number): Period | null {
  return openPeriod(subscription, cycle, now) ?? elapsedPeriods(subscription, cycle, now)[0] ?? null;
}

/**
 * Periods that overlap [from, to] (both inclusive, epoch ms, either open): Dodo's usage-history
 * `start_date`/`end_date`, so `start_date=March 1` includes a period that began in February.
 */
export function periodsOverlapping(periods: readonly Period[], from?: number, to?: number): Period[] {
  return periods.filter((p) => (from === undefined || p.end > from) && (to === undefined || p.start <= to));
}

export interface Cancellation {
  ends_at: string;
  cancel_at_period_end: boolean;
  cancelled_at: string;
}

/**
 * What cancelling does at `now`: `immediately` ends service now; otherwise it ends at the end of the
 * open period. Null when nothing changes: the subscription has already ended, or it is already set to
 * end at its period end and the request is not immediate. An immediate cancel of a subscription set to
 * end at its period end brings the end forward to now.
 */
export function cancellation(
  subscription: Pick<Subscription, 'start' | 'ends_at'>,
  cycle: BillingCycle,
  now: number,
  immediately: boolean,
): Cancellation | null {
  const open = openPeriod(subscription, cycle, now);
  if (!open) return null;
  const at = new Date(now).toISOString();
  if (immediately) return { ends_at: at, cancel_at_period_end: false, cancelled_at: at };
  if (subscription.ends_at) return null;
  return { ends_at: new Date(open.end).toISOString(), cancel_at_period_end: true, cancelled_at: at };
}
