import type { Decimal } from '../decimal';
import type { AggregationType } from '../model/meter';

/**
 * What one (meter, customer, window) partial holds besides its value; kept for every aggregation, so
 * that any partial can be stored in the same row shape (table `meter_usage`).
 */
export interface PartialState {
  recordCount: number;
  value: Decimal;
  /** Event time and id of the latest record: "latest" is the greatest (timestamp, event_id). */
  lastTimestamp: number;
  lastEventId: string;
  uniqueKeys: Set<string>;
}

/** One meter record as the fold sees it. */
export interface FoldInput {
  timestamp: number;
  event_id: string;
  /** The metered value (sum, max, last; the router never routes such a record without one); undefined for count and unique_count. */
  value: Decimal | undefined;
}

/**
 * One aggregation's rule, in both places where it is applied: the in-memory fold of records into a
 * partial (the aggregator) and the SQL that merges stored partials into a total (every usage query,
 * view and benchmark data set). The two must agree: test/integration/aggregations.test.ts checks that
 * they do on random record sets.
 */
export interface Aggregation {
  readonly type: AggregationType;
  /** The value of a partial that holds just `record`. */
  first(record: FoldInput): Decimal;
  /**
   * The value after folding `record` into `state` (whose count and latest fields do not include it yet);
   * `later` says whether `record` is later than every record folded so far.
   */
  fold(state: PartialState, record: FoldInput, later: boolean): Decimal;
  /**
   * A ClickHouse aggregate expression over partial rows (columns `record_count`, `value`,
   * `last_timestamp`, `last_event_id`, `unique_keys`) that merges them into this aggregation's total
   * (an exact integer or decimal; queries that hand it to JavaScript wrap it in toString).
   */
  readonly mergeSql: string;
  /** The column name of this total when a query reads every aggregation's total at once. */
  readonly column: string;
}
