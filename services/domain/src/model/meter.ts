import type { MeterFilter } from '../filter/filter-evaluator';

export const AGGREGATION_TYPES = ['count', 'sum', 'max', 'last', 'unique_count'] as const;
export type AggregationType = (typeof AGGREGATION_TYPES)[number];

/** A meter as Dodo Payments' meters API shows it, plus our `unique_count` aggregation and `archived`. */
export interface Meter {
  id: string;
  name: string;
  event_name: string;
  aggregation: { type: AggregationType; key?: string | null };
  measurement_unit: string;
  description?: string | null;
  filter?: MeterFilter | null;
  archived: boolean;
  created_at: string;
  updated_at: string;
}

/** What the router extracts from one event for one meter (schemas/meter-record.avsc). */
export interface MeterRecord {
  meter_id: string;
  event_id: string;
  customer_id: string;
  /** Event time, epoch milliseconds. */
  timestamp: number;
  /** Exact decimal text for sum, max and last; null for count and unique_count. */
  value: string | null;
  /** The distinct value for unique_count; null otherwise. */
  unique_key: string | null;
  /** What the record does in its meter; null or absent: a new record (see MeterRecordChange). */
  change?: MeterRecordChange | null;
  /** The correction (remove, replace) or backfill batch (backfill) the record comes from. */
  correction_id?: string | null;
}

/**
 * - `backfill`: a new record of an event older than the router's deduplication window; the aggregator
 *   counts it only if the meter has not counted the event before (docs/exactly-once.md, "Backfill").
 * - `remove`: the event no longer counts in this meter (a void, or an amend after which it no longer
 *   matches the meter).
 * - `replace`: the event's record in this meter is now this one (an amend).
 */
export type MeterRecordChange = 'backfill' | 'remove' | 'replace';
