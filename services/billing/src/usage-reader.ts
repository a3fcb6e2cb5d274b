import { correctionIdsQuery, periodUsageQuery, totalOf, type CorrectionIdsRow, type PeriodUsageRow, type Warehouse } from '@meterstream/common';
import type { CatalogView } from '@meterstream/domain';

/** A period's usage totals: the total of one meter for one customer, undefined for a meter the catalog lacks. */
export type PeriodTotals = (customerId: string, meterId: string) => string | undefined;

/** A period's correction and backfill-batch ids of one meter for one customer (sorted; none: empty). */
export type PeriodCorrections = (customerId: string, meterId: string) => readonly string[];

const NONE: readonly string[] = [];

/** Reads period usage totals from ClickHouse for billing, many customers per query. */
export class UsageReader {
  constructor(
    private readonly warehouse: Warehouse,
    private readonly catalog: CatalogView,
    /** The aggregator's window size (config.aggregator.windowSeconds × 1000). */
    private readonly windowMs: number,
  ) {}

  /** Totals of these meters for these customers over [start, end), each merged as its meter aggregates. */
  async totals(meterIds: readonly string[], customerIds: readonly string[], start: number, end: number): Promise<PeriodTotals> {
    const { query, params } = periodUsageQuery([...new Set(meterIds)], [...new Set(customerIds)], start, end, this.windowMs);
    const rows = await this.warehouse.query<PeriodUsageRow>(query, params);
    const byKey = new Map(rows.map((r) => [`${r.meter_id}\u0000${r.customer_id}`, r]));
    return (customerId, meterId) => {
      const meter = this.catalog.get('meters', meterId);
      return meter ? totalOf(meter.aggregation.type, byKey.get(`${meterId}\u0000${customerId}`)) : undefined;
    };
  }

  /** The ids of the corrections and backfill batches with records of these meters and customers in [start, end) (correctionIdsQuery). */
  async corrections(meterIds: readonly string[], customerIds: readonly string[], start: number, end: number): Promise<PeriodCorrections> {
    if (meterIds.length === 0 || customerIds.length === 0) return () => NONE;
    const { query, params } = correctionIdsQuery(meterIds, customerIds, start, end);
    const rows = await this.warehouse.query<CorrectionIdsRow>(query, params);
    const byKey = new Map(rows.map((r) => [`${r.meter_id}\u0000${r.customer_id}`, r.correction_ids]));
    return (customerId, meterId) => byKey.get(`${meterId}\u0000${customerId}`) ?? NONE;
  }
}
