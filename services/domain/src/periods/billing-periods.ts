/** A product's billing interval (Dodo's `payment_frequency_interval`); declared here only. */
export const INTERVALS = ['Day', 'Week', 'Month', 'Year'] as const;
export type Interval = (typeof INTERVALS)[number];

export interface Period {
  index: number;
  /** Inclusive, epoch ms. */
  start: number;
  /** Exclusive, epoch ms. */
  end: number;
}

const DAY_MS = 86400000;

/**
 * Start of billing period `index` of a subscription anchored at `anchor`. Every period start is
 * computed from the anchor, never from the previous period, so periods are contiguous (one ends where
 * the next starts) and month arithmetic does not drift: an anchor on the 31st gives Feb 28 (or 29),
 * then Mar 31 again.
 */
export function periodStart(anchor: number, interval: Interval, count: number, index: number): number {
  const steps = index * count;
  switch (interval) {
    case 'Day':
      return anchor + steps * DAY_MS;
    case 'Week':
      return anchor + steps * 7 * DAY_MS;
    case 'Month':
      return addMonthsClamped(anchor, steps);
    case 'Year':
      return addMonthsClamped(anchor, steps * 12);
  }
}

function addMonthsClamped(anchor: number, months: number): number {
  const a = new Date(anchor);
  const monthIndex = a.getUTCMonth() + months;
  const year = a.getUTCFullYear() + Math.floor(monthIndex / 12);
  const month = ((monthIndex % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(year, month, Math.min(a.getUTCDate(), lastDay), a.getUTCHours(), a.getUTCMinutes(), a.getUTCSeconds(), a.getUTCMilliseconds());
}

export function period(anchor: number, interval: Interval, count: number, index: number): Period {
  return { index, start: periodStart(anchor, interval, count, index), end: periodStart(anchor, interval, count, index + 1) };
}

/** The period that contains `at` (at ≥ anchor). */
export function periodAt(anchor: number, interval: Interval, count: number, at: number): Period {
  const days = (at - anchor) / DAY_MS;
  const approx = { Day: days / count, Week: days / (7 * count), Month: days / (30.44 * count), Year: days / (365.25 * count) }[interval];
  let index = Math.max(0, Math.floor(approx) - 1);
  while (periodStart(anchor, interval, count, index + 1) <= at) index++;
  while (index > 0 && periodStart(anchor, interval, count, index) > at) index--;
  return period(anchor, interval, count, index);
}

/**
 * A period cut short at the subscription's end (`endsAt`, epoch ms; null while it runs): the last
 * period of a subscription that ended mid-period is partial. Billing and the gateway both clip here.
 */
export function clipPeriod(p: Period, endsAt: number | null): Period {
  return { index: p.index, start: p.start, end: endsAt === null ? p.end : Math.min(p.end, endsAt) };
}

/**
 * The periods of a subscription that are due for invoicing at `now`: every period whose end (or the
 * subscription's end, for the last one) lies at or before `now - grace`. A subscription that ended
 * mid-period gets a final, partial period ending at `endsAt`.
 */
export function duePeriods(
  anchor: number,
  interval: Interval,
  count: number,
  now: number,
  graceMs: number,
  endsAt: number | null = null,
): Period[] {
  const due: Period[] = [];
  for (let index = 0; ; index++) {
    const p = clipPeriod(period(anchor, interval, count, index), endsAt);
    if (endsAt !== null && p.start >= endsAt) break;
    if (p.end > now - graceMs) break;
    due.push(p);
  }
  return due;
}
