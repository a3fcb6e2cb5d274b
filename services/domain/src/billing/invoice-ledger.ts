import { Decimal, decimalText } from '../decimal';
import type { Invoice } from '../model/invoice';

const NONE: ReadonlySet<string> = new Set();

interface BilledPeriod {
  start: string;
  end: string;
  /** Units billed per meter for this period: the meter line plus every later adjustment of it. */
  units: Map<string, Decimal>;
  /** Correction and backfill-batch ids listed per meter by the lines billed for this period. */
  listed: Map<string, Set<string>>;
}

/** An invoiced period and the units billed for it so far, per meter (decimal text). */
export interface BilledUsage {
  start: string;
  end: string;
  billed(meterId: string): string;
  /**
   * The correction and backfill-batch ids that the lines billed for this period (its meter line and
   * every adjustment of it) listed for this meter: a later adjustment lists only others.
   */
  listed(meterId: string): ReadonlySet<string>;
}

/**
 * What has been invoiced, rebuilt from the invoices topic at start. Pure: no I/O. Answers "is this
 * period invoiced?", "how many units of this meter were billed for that period?", which is what
 * adjustment lines are computed against (so late usage is billed once, never twice), and "which
 * corrections and backfill batches did the lines of that period list?" (InvoiceLine.corrections), so
 * that an id is listed by one line only.
 */
export class InvoiceLedger {
  private readonly ids = new Set<string>();
  private readonly periods = new Map<string, Map<string, BilledPeriod>>();

  has(invoiceId: string): boolean {
    return this.ids.has(invoiceId);
  }

  get size(): number {
    return this.ids.size;
  }

  record(invoice: Invoice): void {
    if (this.ids.has(invoice.id)) return;
    this.ids.add(invoice.id);
    const own = this.period(invoice.subscription_id, invoice.period_start, invoice.period_end);
    for (const line of invoice.lines) {
      if (line.meter_id === null || line.units_consumed === null) continue;
      const target =
        line.type === 'adjustment' && line.adjusted_period_start && line.adjusted_period_end
          ? this.period(invoice.subscription_id, line.adjusted_period_start, line.adjusted_period_end)
          : own;
      target.units.set(line.meter_id, (target.units.get(line.meter_id) ?? new Decimal(0)).plus(line.units_consumed));
      const ids = line.corrections ?? [];
      if (ids.length === 0) continue;
      const listed = target.listed.get(line.meter_id) ?? new Set<string>();
      for (const id of ids) listed.add(id);
      target.listed.set(line.meter_id, listed);
    }
  }

  /** Invoiced periods of a subscription whose end is at or after `since` (epoch ms), oldest first. */
  periodsSince(subscriptionId: string, since: number): BilledUsage[] {
    return [...(this.periods.get(subscriptionId)?.values() ?? [])]
      .filter((p) => Date.parse(p.end) >= since)
      .sort((a, b) => a.start.localeCompare(b.start))
      .map((p) => ({
        start: p.start,
        end: p.end,
        billed: (meterId: string) => decimalText(p.units.get(meterId) ?? new Decimal(0)),
        listed: (meterId: string) => p.listed.get(meterId) ?? NONE,
      }));
  }

  private period(subscriptionId: string, start: string, end: string): BilledPeriod {
    let bySub = this.periods.get(subscriptionId);
    if (!bySub) {
      bySub = new Map();
      this.periods.set(subscriptionId, bySub);
    }
    let period = bySub.get(start);
    if (!period) {
      period = { start, end, units: new Map(), listed: new Map() };
      bySub.set(start, period);
    }
    return period;
  }
}
