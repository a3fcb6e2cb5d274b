import { AGGREGATION_TYPES, AGGREGATIONS, aggregationOf, splitUsageRange, toClickHouseTime, windowStartOf, type AggregationType } from '@meterstream/domain';
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
  /** Usage as it would be with one stored record changed (POST /corrections/preview); none: as stored. */
  override?: RecordOverride;
}

/**
 * One event's record in one meter, read as a correction would leave it: removed (`after` null) or
 * replaced by `after` (value: the decimal text a sum, max or last meter reads, "0" otherwise; uniqueKey:
 * unique_count's distinct value). Nothing is written: the query treats the record's window as corrected
 * (read from its records), leaves the stored record out and adds `after` instead.
 */
export interface RecordOverride {
  meterId: string;
  customerId: string;
  eventId: string;
  /** Event time, epoch ms: with the three ids, the record's key in meter_records. */
  timestamp: number;
  after: { value: string; uniqueKey: string | null } | null;
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
 *
 * With `override` (RecordOverride, parameters o_*): its record's window is read as a corrected window
 * (its partial left out, its records read), the stored record itself is left out, and the record after
 * the change, when there is one and it lies in the range, is added as one more partial row.
 */
function exactRangeSource(scope: string, override = false): string {
  const corrected = `SELECT meter_id, customer_id, window_start FROM corrected_windows FINAL
    WHERE ${scope} AND window_start >= {whole_start:DateTime64(3, 'UTC')} AND window_start < {whole_end:DateTime64(3, 'UTC')}`;
  const correctedBound = (fn: 'min' | 'max') => `(SELECT ${fn}(window_start) FROM corrected_windows
      WHERE ${scope} AND window_start >= {whole_start:DateTime64(3, 'UTC')} AND window_start < {whole_end:DateTime64(3, 'UTC')})`;
  const pair = 'meter_id = {o_meter_id:String} AND customer_id = {o_customer_id:String}';
  const time = (name: string) => `{${name}:DateTime64(3, 'UTC')}`;
  // The override's window: its partial is left out, its records (within the range) are read.
  const partialsBut = override ? `\n    AND NOT (${pair} AND window_start = ${time('o_window_start')})` : '';
  const recordsAlso = override
    ? `\n      OR (${pair} AND timestamp >= ${time('o_window_start')} AND timestamp < ${time('o_window_start')} + toIntervalMillisecond({window_ms:UInt64})
        AND timestamp >= ${time('start')} AND timestamp < ${time('end')})`
    : '';
  // The override's record: the stored one left out, the one after the change (if any, in range) added.
  const recordsBut = override ? `\n    AND NOT (${pair} AND event_id = {o_event_id:String} AND timestamp = ${time('o_timestamp')})` : '';
  const recordAfter = override
    ? `
  UNION ALL
  SELECT meter_id, customer_id, window_start, record_count, value, last_timestamp, last_event_id, unique_keys
  FROM (
    SELECT {o_meter_id:String} AS meter_id, {o_customer_id:String} AS customer_id, ${time('o_timestamp')} AS window_start,
      toUInt64(1) AS record_count, {o_value:Decimal(76, 12)} AS value, ${time('o_timestamp')} AS last_timestamp,
      {o_event_id:String} AS last_event_id, {o_unique_keys:Array(String)} AS unique_keys
  )
  WHERE ${scope} AND {o_present:UInt8} = 1 AND window_start >= ${time('start')} AND window_start < ${time('end')}`
    : '';
  return `(
  SELECT meter_id, customer_id, window_start, record_count, value, last_timestamp, last_event_id, unique_keys
  FROM meter_usage
  WHERE ${scope} AND window_start >= {whole_start:DateTime64(3, 'UTC')} AND window_start < {whole_end:DateTime64(3, 'UTC')}
    AND (meter_id, customer_id, window_start) NOT IN (${corrected})${partialsBut}
  UNION ALL
  SELECT meter_id, customer_id, timestamp AS window_start, toUInt64(1) AS record_count, value, timestamp AS last_timestamp,
    event_id AS last_event_id, if(isNull(unique_key), CAST([] AS Array(String)), [assumeNotNull(unique_key)]) AS unique_keys
  FROM (
    SELECT meter_id, customer_id, timestamp, event_id, value, unique_key, deleted
    FROM meter_records FINAL
    WHERE ${scope} AND ((timestamp >= {start:DateTime64(3, 'UTC')} AND timestamp < {whole_start:DateTime64(3, 'UTC')})
      OR (timestamp >= {whole_end:DateTime64(3, 'UTC')} AND timestamp < {end:DateTime64(3, 'UTC')})
      OR (timestamp >= ${correctedBound('min')} AND timestamp < ${correctedBound('max')} + toIntervalMillisecond({window_ms:UInt64})
        AND (meter_id, customer_id, fromUnixTimestamp64Milli(intDiv(toUnixTimestamp64Milli(timestamp), {window_ms:UInt64}) * {window_ms:UInt64}, 'UTC')) IN (${corrected}))${recordsAlso})
  )
  WHERE deleted = 0${recordsBut}${recordAfter}
)`;
}

/** The o_* parameters of an override (exactRangeSource). */
function overrideParams(override: RecordOverride, windowMs: number): QueryParams {
  const after = override.after;
  return {
    o_meter_id: override.meterId,
    o_customer_id: override.customerId,
    o_event_id: override.eventId,
    o_timestamp: toClickHouseTime(override.timestamp),
    o_window_start: toClickHouseTime(windowStartOf(override.timestamp, windowMs)),
    o_present: after === null ? 0 : 1,
    o_value: after?.value ?? '0',
    o_unique_keys: after !== null && after.uniqueKey !== null ? [after.uniqueKey] : [],
  };
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
  return {
    meter_id: scope.meterId,
    customer_id: scope.customerId,
    ...rangeParams(scope.start, scope.end, scope.windowMs),
    ...(scope.override ? overrideParams(scope.override, scope.windowMs) : {}),
  };
}

/** One row `{ total, records }` for a meter and customer over [start, end), exact to the millisecond. */
export function usageTotalQuery(scope: UsageScope): BuiltQuery {
  return {
    query: `SELECT ${mergeExpression(scope.aggregation)} AS total, ${mergeExpression('count')} AS records
FROM ${exactRangeSource(ONE_PAIR, scope.override !== undefined)}`,
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
FROM ${exactRangeSource(ONE_PAIR, scope.override !== undefined)}
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
 * `override`: as it would be with that record changed (RecordOverride).
 */
export function periodUsageQuery(
  meterIds: readonly string[],
  customerIds: readonly string[],
  start: number,
  end: number,
  windowMs: number,
  override?: RecordOverride,
): BuiltQuery {
  const totals = AGGREGATION_TYPES.map((type) => `${mergeExpression(type)} AS ${aggregationOf(type).column}`).join(',\n  ');
  return {
    query: `SELECT meter_id, customer_id,
  ${totals}
FROM ${exactRangeSource('meter_id IN {meter_ids:Array(String)} AND customer_id IN {customer_ids:Array(String)}', override !== undefined)}
GROUP BY meter_id, customer_id`,
    params: {
      meter_ids: [...meterIds],
      customer_ids: [...customerIds],
      ...rangeParams(start, end, windowMs),
      ...(override ? overrideParams(override, windowMs) : {}),
    },
  };
}

/** The meter's total from a PeriodUsageRow ("0" when there was no usage). */
export function totalOf(aggregation: AggregationType, row: PeriodUsageRow | undefined): string {
  if (!row || row[count.column] === '0') return '0';
  return row[aggregationOf(aggregation).column] ?? '0';
}
