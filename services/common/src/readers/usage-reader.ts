import { Decimal, decimalText } from '@meterstream/domain';
import type { Warehouse } from '../warehouse/warehouse';
import { usageTotalQuery, usageWindowsQuery, type UsageScope, type UsageWindow } from '../queries/usage-queries';
import { timeZoneKnownQuery } from '../queries/time-zone-queries';

/** A meter, a customer and a range [start, end) in epoch ms. */
export type MeterUsageScope = Omit<UsageScope, 'windowMs'>;

/** One calendar window of usage: [start, end) in epoch ms, the merged value as exact decimal text. */
export interface UsageWindowValue {
  start: number;
  end: number;
  value: string;
}

/** ClickHouse decimal text in its canonical form (no trailing zeros: "12.500000000000" is "12.5"). */
const canonical = (text: string) => decimalText(new Decimal(text));

/** Real-time usage of one meter for one customer, merged from the aggregator's windowed partials. */
export class UsageReader {
  /** The names knowsTimeZone found (at most the few hundred ClickHouse has); others are asked again. */
  private readonly timeZones = new Set<string>();

  /** `windowMs`: the aggregator's window size (config.aggregator.windowSeconds × 1000). */
  constructor(
    private readonly warehouse: Warehouse,
    private readonly windowMs: number,
  ) {}

  /** The total over [start, end), exact to the millisecond, as exact decimal text, "0" when no record fell in the range. */
  async total(scope: MeterUsageScope): Promise<string> {
    const { query, params } = usageTotalQuery({ ...scope, windowMs: this.windowMs });
    const [row] = await this.warehouse.query<{ total: string; records: string }>(query, params);
    return row && row.records !== '0' ? canonical(row.total) : '0';
  }

  /** One value per calendar window of `timeZone` that holds usage, oldest first. */
  async windows(scope: MeterUsageScope, window: UsageWindow, timeZone = 'UTC'): Promise<UsageWindowValue[]> {
    const { query, params } = usageWindowsQuery({ ...scope, windowMs: this.windowMs }, window, timeZone);
    const rows = await this.warehouse.query<{ bucket: string; bucket_end: string; value: string }>(query, params);
    return rows.map((row) => ({ start: new Date(row.bucket).getTime(), end: new Date(row.bucket_end).getTime(), value: canonical(row.value) }));
  }

  /**
   * Whether ClickHouse's tz database has the zone (it may lag the runtime's: America/Coyhaique, new in
   * tzdata 2025b, is in Node's list and not in chdb's), in its exact case.
   */
  async knowsTimeZone(name: string): Promise<boolean> {
    if (this.timeZones.has(name)) return true;
    const { query, params } = timeZoneKnownQuery(name);
    const [row] = await this.warehouse.query<{ known: string }>(query, params);
    const known = row?.known !== undefined && row.known !== '0';
    if (known) this.timeZones.add(name);
    return known;
  }
}
