import { AGGREGATION_TYPES, AGGREGATIONS, aggregationOf, splitUsageRange, toClickHouseTime, type AggregationType } from '@meterstream/domain';
import type { QueryParams } from '../warehouse/warehouse';

const count = AGGREGATIONS.count;

export interface BuiltQuery {
  query: string;
  params: QueryParams;
}

export const USAGE_WINDOWS = ['minute', 'hour', 'day', 'month'] as const;
export type UsageWindow = (typeof USAGE_WINDOWS)[number];

/**
 * How partials of one meter merge into one value, as decimal text (the aggregation's own rule, from
 * @meterstream/domain). Totals over a range use the same expression, so a unique count over a month is
 * the distinct count of the month, not a sum of per-window counts.
 */
export function mergeExpression(type: AggregationType): string {
  return `toString(${aggregationOf(type).mergeSql})`;
}

export interface UsageScope {
  meterId: string;
  aggregation: AggregationType;
  customerId: string;
  /** Inclusive, epoch ms. */
  start: number;
  /** Exclusive, epoch ms. */
  end: number;
  /** The aggregator's window size (AGGREGATOR_WINDOW_SECONDS × 1000): which windows lie wholly inside. */
  windowMs: number;
}

/**
 * The partial rows that make up usage over exactly [start, end), whatever its boundaries and whatever
 * was corrected: the stored partials of the windows wholly inside the range, except corrected windows;
 * and one partial per counted record (meter_records, latest version of each record, removed ones left
 * out), in the same columns, for the windows its start or end cuts and for the corrected windows (a void
 * or amend changed a record in them: their stored partial no longer holds). Every aggregation's merge
 * applies to the union unchanged. `scope` filters meter_id and customer_id (the same in every table).
 *
 * The records of corrected windows are looked up between the first and the last corrected window of
 * the scope (scalar subqueries, which ClickHouse evaluates before it chooses the granules to read), so a
 * scope without corrections reads only its edge windows' records, as before.
 */
function exactRangeSource(scope: string): string {
  const corrected = `SELECT meter_id, customer_id, window_start FROM corrected_windows FINAL
    WHERE ${scope} AND window_start >= {whole_start:DateTime64(3, 'UTC')} AND window_start < {whole_end:DateTime64(3, 'UTC')}`;
  const correctedBound = (fn: 'min' | 'max') => `(SELECT ${fn}(window_start) FROM corrected_windows
      WHERE ${scope} AND window_start >= {whole_start:DateTime64(3, 'UTC')} AND window_start < {whole_end:DateTime64(3, 'UTC')})`;
  return `(
  SELECT meter_id, customer_id, window_start, record_count, value, last_timestamp, last_event_id, unique_keys
  FROM meter_usage
  WHERE ${scope} AND window_start >= {whole_start:DateTime64(3, 'UTC')} AND window_start < {whole_end:DateTime64(3, 'UTC')}
    AND (meter_id, customer_id, window_start) NOT IN (${corrected})
  UNION ALL
  SELECT meter_id, customer_id, timestamp AS window_start, toUInt64(1) AS record_count, value, timestamp AS last_timestamp,
    event_id AS last_event_id, if(isNull(unique_key), CAST([] AS Array(String)), [assumeNotNull(unique_key)]) AS unique_keys
  FROM (
    SELECT meter_id, customer_id, timestamp, event_id, value, unique_key, deleted
    FROM meter_records FINAL
    WHERE ${scope} AND ((timestamp >= {start:DateTime64(3, 'UTC')} AND timestamp < {whole_start:DateTime64(3, 'UTC')})
      OR (timestamp >= {whole_end:DateTime64(3, 'UTC')} AND timestamp < {end:DateTime64(3, 'UTC')})
      OR (timestamp >= ${correctedBound('min')} AND timestamp < ${correctedBound('max')} + toIntervalMillisecond({window_ms:UInt64})
        AND (meter_id, customer_id, fromUnixTimestamp64Milli(intDiv(toUnixTimestamp64Milli(timestamp), {window_ms:UInt64}) * {window_ms:UInt64}, 'UTC')) IN (${corrected})))
  )
  WHERE deleted = 0
)`;
}

function rangeParams(start: number, end: number, windowMs: number): QueryParams {
  const split = splitUsageRange(start, end, windowMs);
  return {
    start: toClickHouseTime(split.start),
    end: toClickHouseTime(split.end),
    whole_start: toClickHouseTime(split.wholeStart),
    whole_end: toClickHouseTime(split.wholeEnd),
    window_ms: windowMs,
  };
}

const ONE_PAIR = 'meter_id = {meter_id:String} AND customer_id = {customer_id:String}';

function scopeParams(scope: UsageScope): QueryParams {
  return { meter_id: scope.meterId, customer_id: scope.customerId, ...rangeParams(scope.start, scope.end, scope.windowMs) };
}

/** One row `{ total, records }` for a meter and customer over [start, end), exact to the millisecond. */
export function usageTotalQuery(scope: UsageScope): BuiltQuery {
  return {
    query: `SELECT ${mergeExpression(scope.aggregation)} AS total, ${mergeExpression('count')} AS records
FROM ${exactRangeSource(ONE_PAIR)}`,
    params: scopeParams(scope),
  };
}

const WINDOW_UNITS: Record<UsageWindow, string> = { minute: 'MINUTE', hour: 'HOUR', day: 'DAY', month: 'MONTH' };

/**
 * Rows `{ bucket, bucket_end, value }` per window of the given size over [start, end), oldest first;
 * the first and last bucket hold exactly the part of them inside [start, end).
 * Windows are calendar windows of `timeZone`: a day runs from local midnight to local midnight (23 or
 * 25 hours across a daylight-saving change), which ClickHouse computes (`bucket_end`).
 */
export function usageWindowsQuery(scope: UsageScope, window: UsageWindow, timeZone = 'UTC'): BuiltQuery {
  return {
    // toStartOfInterval gives a Date for months: toDateTime makes it that date's midnight in the zone.
    query: `SELECT toDateTime(toStartOfInterval(window_start, INTERVAL 1 ${WINDOW_UNITS[window]}, {tz:String}), {tz:String}) AS bucket,
  bucket + INTERVAL 1 ${WINDOW_UNITS[window]} AS bucket_end,
  ${mergeExpression(scope.aggregation)} AS value
FROM ${exactRangeSource(ONE_PAIR)}
GROUP BY bucket ORDER BY bucket`,
    params: { ...scopeParams(scope), tz: timeZone },
  };
}

/** Every aggregation's total of one (meter, customer) pair, keyed by each aggregation's column. */
export interface PeriodUsageRow {
  meter_id: string;
  customer_id: string;
  [column: string]: string;
}

/**
 * Usage of many (meter, customer) pairs over one period [start, end), exact to the millisecond, in a
 * single query, every aggregation's total
 * at once; `totalOf` picks the meter's own. Billing closes thousands of subscriptions with it.
 */
export function periodUsageQuery(meterIds: readonly string[], customerIds: readonly string[], start: number, end: number, windowMs: number): BuiltQuery {
  const totals = AGGREGATION_TYPES.map((type) => `${mergeExpression(type)} AS ${aggregationOf(type).column}`).join(',\n  ');
  return {
    query: `SELECT meter_id, customer_id,
  ${totals}
FROM ${exactRangeSource('meter_id IN {meter_ids:Array(String)} AND customer_id IN {customer_ids:Array(String)}')}
GROUP BY meter_id, customer_id`,
    params: { meter_ids: [...meterIds], customer_ids: [...customerIds], ...rangeParams(start, end, windowMs) },
  };
}

/** The meter's total from a PeriodUsageRow ("0" when there was no usage). */
export function totalOf(aggregation: AggregationType, row: PeriodUsageRow | undefined): string {
  if (!row || row[count.column] === '0') return '0';
  return row[aggregationOf(aggregation).column] ?? '0';
}
