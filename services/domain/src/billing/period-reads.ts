/** A usage read of a set of periods: one customer, the meters to read, its periods (ISO start and end). */
export interface PeriodReadRequest {
  customerId: string;
  meterIds: readonly string[];
  periods: readonly { start: string; end: string }[];
}

/** One read of one period [start, end) for every customer and meter that needs it. */
export interface PeriodRead {
  start: string;
  end: string;
  customerIds: string[];
  meterIds: string[];
}

/** The key of a period among reads: its start and end. */
export function periodKey(period: { start: string; end: string }): string {
  return `${period.start}\u0000${period.end}`;
}

/**
 * How billing batches the re-reading of invoiced periods at a close: one read per distinct period (same
 * start and end), for all the customers that need it and the union of their meters, instead of one per
 * subscription and period. Subscriptions on the same calendar (same anchor and cycle) share every
 * period, so a close re-reads each period of the horizon once per group of customers. Reads in the order
 * their periods are first met; customers and meters once each, in the order first met.
 */
export function readsByPeriod(requests: readonly PeriodReadRequest[]): PeriodRead[] {
  const reads = new Map<string, { start: string; end: string; customerIds: Set<string>; meterIds: Set<string> }>();
  for (const request of requests) {
    for (const period of request.periods) {
      const key = periodKey(period);
      const read = reads.get(key) ?? { start: period.start, end: period.end, customerIds: new Set<string>(), meterIds: new Set<string>() };
      read.customerIds.add(request.customerId);
      for (const meterId of request.meterIds) read.meterIds.add(meterId);
      reads.set(key, read);
    }
  }
  return [...reads.values()].map((r) => ({ start: r.start, end: r.end, customerIds: [...r.customerIds], meterIds: [...r.meterIds] }));
}
