import { AGGREGATION_TYPES, AGGREGATIONS, aggregationOf, toClickHouseTime, type AggregationType } from '@meterstream/domain';
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

/** Every aggregation's total of one (meter, customer) pair, keyed by each aggregation's column. */
export interface PeriodUsageRow {
  meter_id: string;
  customer_id: string;
  [column: string]: string;
}

/**
 * Usage of many (meter, customer) pairs over one period in a single query, every aggregation's total
 * at once; `totalOf` picks the meter's own. Billing closes thousands of subscriptions with it.
 */
export function periodUsageQuery(meterIds: readonly string[], customerIds: readonly string[], start: number, end: number): BuiltQuery {
  const totals = AGGREGATION_TYPES.map((type) => `${mergeExpression(type)} AS ${aggregationOf(type).column}`).join(',\n  ');
  return {
    query: `SELECT meter_id, customer_id,
  ${totals}
FROM meter_usage
WHERE meter_id IN {meter_ids:Array(String)} AND customer_id IN {customer_ids:Array(String)}
  AND window_start >= {start:DateTime64(3, 'UTC')} AND window_start < {end:DateTime64(3, 'UTC')}
GROUP BY meter_id, customer_id`,
    params: { meter_ids: [...meterIds], customer_ids: [...customerIds], start: toClickHouseTime(start), end: toClickHouseTime(end) },
  };
}

/** The meter's total from a PeriodUsageRow ("0" when there was no usage). */
export function totalOf(aggregation: AggregationType, row: PeriodUsageRow | undefined): string {
  if (!row || row[count.column] === '0') return '0';
  return row[aggregationOf(aggregation).column] ?? '0';
}
