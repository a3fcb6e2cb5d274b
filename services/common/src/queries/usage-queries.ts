import type { AggregationType } from '@meterstream/domain';
import { toClickHouseTime } from '@meterstream/domain';
import type { QueryParams } from '../warehouse/warehouse';

export interface BuiltQuery {
  query: string;
  params: QueryParams;
}

export const USAGE_WINDOWS = ['minute', 'hour', 'day', 'month'] as const;
export type UsageWindow = (typeof USAGE_WINDOWS)[number];

/**
 * How partials of one meter merge into one value. Totals over a range use the same expression, so a
 * unique count over a month is the distinct count of the month, not a sum of per-window counts.
 */
export function mergeExpression(type: AggregationType): string {
  switch (type) {
    case 'count':
      return 'toString(sum(record_count))';
    case 'sum':
      return 'toString(sum(value))';
    case 'max':
      return 'toString(max(value))';
    case 'last':
      return 'toString(argMax(value, (last_timestamp, last_event_id)))';
    case 'unique_count':
      return 'toString(uniqExactArray(unique_keys))';
  }
}

interface UsageScope {
  meterId: string;
  aggregation: AggregationType;
  customerId: string;
  /** Inclusive, epoch ms. */
  start: number;
  /** Exclusive, epoch ms. */
  end: number;
}

const SCOPE_WHERE = `meter_id = {meter_id:String} AND customer_id = {customer_id:String}
  AND window_start >= {start:DateTime64(3, 'UTC')} AND window_start < {end:DateTime64(3, 'UTC')}`;

function scopeParams(scope: UsageScope): QueryParams {
  return {
    meter_id: scope.meterId,
    customer_id: scope.customerId,
    start: toClickHouseTime(scope.start),
    end: toClickHouseTime(scope.end),
  };
}

/** One row `{ total, records }` for a meter and customer over [start, end). */
export function usageTotalQuery(scope: UsageScope): BuiltQuery {
  return {
    query: `SELECT ${mergeExpression(scope.aggregation)} AS total, toString(sum(record_count)) AS records
FROM meter_usage WHERE ${SCOPE_WHERE}`,
    params: scopeParams(scope),
  };
}

const WINDOW_UNITS: Record<UsageWindow, string> = { minute: 'MINUTE', hour: 'HOUR', day: 'DAY', month: 'MONTH' };

/**
 * Rows `{ bucket, bucket_end, value }` per window of the given size over [start, end), oldest first.
 * Windows are calendar windows of `timeZone`: a day runs from local midnight to local midnight (23 or
 * 25 hours across a daylight-saving change), which ClickHouse computes (`bucket_end`).
 */
export function usageWindowsQuery(scope: UsageScope, window: UsageWindow, timeZone = 'UTC'): BuiltQuery {
  return {
    // toStartOfInterval gives a Date for months: toDateTime makes it that date's midnight in the zone.
    query: `SELECT toDateTime(toStartOfInterval(window_start, INTERVAL 1 ${WINDOW_UNITS[window]}, {tz:String}), {tz:String}) AS bucket,
  bucket + INTERVAL 1 ${WINDOW_UNITS[window]} AS bucket_end,
  ${mergeExpression(scope.aggregation)} AS value
FROM meter_usage WHERE ${SCOPE_WHERE}
GROUP BY bucket ORDER BY bucket`,
    params: { ...scopeParams(scope), tz: timeZone },
  };
}

export interface PeriodUsageRow {
  meter_id: string;
  customer_id: string;
  records: string;
  sum_value: string;
  max_value: string;
  last_value: string;
  unique_count: string;
}

/**
 * Usage of many (meter, customer) pairs over one period in a single query, every merge measure at
 * once; `totalOf` picks the meter's own. Billing closes thousands of subscriptions with it.
 */
export function periodUsageQuery(meterIds: readonly string[], customerIds: readonly string[], start: number, end: number): BuiltQuery {
  return {
    query: `SELECT meter_id, customer_id, toString(sum(record_count)) AS records, toString(sum(value)) AS sum_value,
  toString(max(value)) AS max_value, toString(argMax(value, (last_timestamp, last_event_id))) AS last_value,
  toString(uniqExactArray(unique_keys)) AS unique_count
FROM meter_usage
WHERE meter_id IN {meter_ids:Array(String)} AND customer_id IN {customer_ids:Array(String)}
  AND window_start >= {start:DateTime64(3, 'UTC')} AND window_start < {end:DateTime64(3, 'UTC')}
GROUP BY meter_id, customer_id`,
    params: { meter_ids: [...meterIds], customer_ids: [...customerIds], start: toClickHouseTime(start), end: toClickHouseTime(end) },
  };
}

/** The meter's total from a PeriodUsageRow ("0" when there was no usage). */
export function totalOf(aggregation: AggregationType, row: PeriodUsageRow | undefined): string {
  if (!row || row.records === '0') return '0';
  switch (aggregation) {
    case 'count':
      return row.records;
    case 'sum':
      return row.sum_value;
    case 'max':
      return row.max_value;
    case 'last':
      return row.last_value;
    case 'unique_count':
      return row.unique_count;
  }
}
