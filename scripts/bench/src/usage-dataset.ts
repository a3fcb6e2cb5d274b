// The synthetic usage data set of load-usage and bench-query: its meters, and the
// SQL that generates its raw events inside ClickHouse from numbers() and derives the aggregator's
// meter_usage rows from them. Every value reaches ClickHouse as a bound parameter.
//
// Event n (0 <= n < events) belongs to customer c = n % customers, and is that customer's k-th event,
// k = n div customers. A customer's events are spread evenly over the month in k order (a random offset
// within each slot), so event ids (`evt_<c>_<k>`, zero-padded) sort in time order per customer, like
// ULIDs. The meter is cityHash64(n) % 5; each meter has an event name of its own, so each event feeds
// exactly one meter. Kafka positions are synthetic but consistent: partition c % 3 (events and meter
// topics alike), `events` offsets numbered in n order within each partition. The statements generate
// the events of a range of customers [c_lo, c_lo + c_cnt) in (customer, k) order, which is the events
// table's sort order; the data set does not depend on how it is cut into ranges.
import { aggregationOf, type AggregationType } from '@meterstream/domain';

/** A meter of the data set; `index` is the generator's meter number. */
export interface DatasetMeter {
  index: number;
  id: string;
  event_name: string;
  aggregation: { type: AggregationType; key?: string };
}

/** The five meters, one per aggregation. */
export const METERS: readonly DatasetMeter[] = [
  { index: 0, id: 'mtr_api_calls', event_name: 'api_request', aggregation: { type: 'count' } },
  { index: 1, id: 'mtr_tokens', event_name: 'llm_completion', aggregation: { type: 'sum', key: 'tokens' } },
  { index: 2, id: 'mtr_active_users', event_name: 'user_active', aggregation: { type: 'unique_count', key: 'user_id' } },
  { index: 3, id: 'mtr_storage_gb', event_name: 'storage_sample', aggregation: { type: 'max', key: 'gb' } },
  { index: 4, id: 'mtr_seats', event_name: 'seat_count', aggregation: { type: 'last', key: 'seats' } },
];

export const PARTITIONS = 3;
const EVENTS_TOPIC = 'bench.events';
const METER_TOPIC_PREFIX = 'bench.meter.';
const ENDPOINTS = ['/v1/chat', '/v1/embed', '/v1/complete', '/v1/moderate'];
const MODELS = ['model-large', 'model-medium', 'model-small'];

export const customerId = (c: number): string => `cus_${String(c).padStart(5, '0')}`;

/** Month [start, end) in epoch ms, from "YYYY-MM". */
export function monthRange(month: string): { start: number; end: number } {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) throw new Error(`--month must be YYYY-MM, got ${month}`);
  const start = Date.UTC(Number(m[1]), Number(m[2]) - 1, 1);
  const end = Date.UTC(Number(m[1]), Number(m[2]), 1);
  return { start, end };
}

/**
 * Parameters of the generator for the data set: `events` in total over `customers`, in `month`.
 * `c_lo`/`c_cnt` (the customers of a chunk) are added per statement.
 */
export function datasetParams({ events, customers, month }: { events: number; customers: number; month: string }) {
  const { start, end } = monthRange(month);
  const perCustomer = Math.ceil(events / customers);
  return {
    events,
    customers,
    per_customer: perCustomer,
    month_start: new Date(start).toISOString().replace('T', ' ').replace('Z', ''),
    month_ms: end - start,
    event_names: METERS.map((m) => m.event_name),
    meter_ids: METERS.map((m) => m.id),
    endpoints: ENDPOINTS,
    models: MODELS,
    events_topic: EVENTS_TOPIC,
    meter_topic_prefix: METER_TOPIC_PREFIX,
  };
}

const CUSTOMER_ID = `concat('cus_', leftPad(toString(c), 5, '0'))`;

/**
 * The events of customers [c_lo, c_lo + c_cnt), with every column of the events table, plus the generator's own columns:
 * m (meter number), c (customer number), v (the metered value, Decimal(38, 12)), user_key.
 */
export const GENERATOR = `
SELECT
    {c_lo:UInt64} + intDiv(number, {per_customer:UInt64}) AS c,
    number % {per_customer:UInt64} AS k,
    k * {customers:UInt64} + c AS n,
    cityHash64(n) AS h,
    toUInt8(h % 5) AS m,
    bitShiftRight(h, 8) % 1000000007 AS r,
    ${CUSTOMER_ID} AS customer_id,
    concat('evt_', leftPad(toString(c), 5, '0'), '_', leftPad(toString(k), 8, '0')) AS event_id,
    {event_names:Array(String)}[m + 1] AS event_name,
    toDateTime64({month_start:DateTime64(3, 'UTC')}, 3, 'UTC')
        + toIntervalMillisecond(intDiv(k * {month_ms:UInt64}, {per_customer:UInt64})
                                + bitShiftRight(h, 40) % intDiv({month_ms:UInt64}, {per_customer:UInt64})) AS timestamp,
    multiIf(m = 1, toDecimal128(1 + r % 4000, 12),
            m = 3, toDecimal128(r % 100000, 12) / 1000,
            m = 4, toDecimal128(1 + r % 200, 12),
            toDecimal128(0, 12)) AS v,
    if(m = 2, concat('user_', toString(r % 50)), '') AS user_key,
    multiIf(m = 0, concat('{"endpoint":"', {endpoints:Array(String)}[1 + r % 4], '","region":"', if(bitTest(h, 62), 'eu', 'us'), '"}'),
            m = 1, concat('{"tokens":', toString(1 + r % 4000), ',"model":"', {models:Array(String)}[1 + intDiv(r, 4000) % 3], '"}'),
            m = 2, concat('{"user_id":"', user_key, '"}'),
            m = 3, concat('{"gb":', toString((r % 100000) / 1000), '}'),
            concat('{"seats":', toString(1 + r % 200), '}')) AS metadata,
    timestamp + toIntervalMillisecond(5 + bitShiftRight(h, 20) % 2000) AS ingested_at,
    {events_topic:String} AS source_topic,
    toUInt32(c % ${PARTITIONS}) AS source_partition,
    k * intDiv({customers:UInt64} - source_partition + ${PARTITIONS - 1}, ${PARTITIONS}) + intDiv(c, ${PARTITIONS}) AS source_offset
FROM numbers({c_cnt:UInt64} * {per_customer:UInt64})
WHERE n < {events:UInt64}`;

const EVENT_COLUMNS = 'event_id, customer_id, event_name, timestamp, metadata, ingested_at, source_topic, source_partition, source_offset';

/**
 * Loads the events of customers [c_lo, c_lo + c_cnt) into `events`, already in the table's order.
 * optimize_on_insert = 0: event ids are unique by construction, so the ReplacingMergeTree has nothing
 * to replace within a block, and skipping that pass halves the insert time.
 */
export const INSERT_EVENTS = `INSERT INTO events (${EVENT_COLUMNS})
SELECT ${EVENT_COLUMNS} FROM (${GENERATOR})
SETTINGS max_insert_threads = 2, optimize_on_insert = 0`;

/** The aggregator's window (1 minute, its default): the data set's partials are per minute. */
export const WINDOW_MS = 60_000;

/**
 * A meter's value column from its events: each event is a partial of one record (the shape of a
 * meter_usage row), merged by the aggregation's own rule (@meterstream/domain), as the aggregator's fold
 * would produce it. unique_count partials keep value 0 (their keys are in unique_keys).
 */
function valueSql(type: AggregationType): string {
  return type === 'unique_count' ? 'toDecimal128(0, 12)' : `toDecimal128(${aggregationOf(type).mergeSql}, 12)`;
}

/**
 * The aggregator's rows for `meter`'s events of customers [c_lo, c_lo + c_cnt): one row per (meter,
 * customer, 1-minute window) with the column semantics of window-accumulator.ts (count: value = record
 * count; sum; max; last: the value of the greatest (timestamp, event_id); unique_count: value 0 and the
 * distinct keys; every type: last_timestamp/last_event_id of the greatest (timestamp, event_id)), as
 * if the aggregator had flushed each meter-topic partition once after the month: source_end_offset is
 * the offset after the partition's last record ({end_offsets}[meter * 3 + partition + 1]).
 * Grouped by numbers (customer number, window); the ids are formatted afterwards. Only the SQL
 * expressions depend on the meter; its number and every value are parameters.
 */
export function usageInsert(meter: DatasetMeter): string {
  const type = meter.aggregation.type;
  return `INSERT INTO meter_usage (meter_id, customer_id, window_start, window_end, record_count, value,
    last_timestamp, last_event_id, unique_keys, source_topic, source_partition, source_end_offset)
SELECT
    {meter_ids:Array(String)}[{meter:UInt8} + 1] AS meter_id,
    ${CUSTOMER_ID} AS customer_id,
    w AS window_start,
    w + toIntervalMinute(1) AS window_end,
    n_records AS record_count, merged_value AS value, latest.1 AS last_timestamp, latest.2 AS last_event_id, merged_keys AS unique_keys,
    concat({meter_topic_prefix:String}, meter_id) AS source_topic,
    toUInt32(c % ${PARTITIONS}) AS source_partition,
    {end_offsets:Array(UInt64)}[{meter:UInt8} * ${PARTITIONS} + source_partition + 1] AS source_end_offset
FROM
(
    SELECT
        c,
        toDateTime64(toStartOfMinute(one.last_timestamp), 3, 'UTC') AS w,
        count() AS n_records,
        ${valueSql(type)} AS merged_value,
        max((one.last_timestamp, one.last_event_id)) AS latest,
        ${type === 'unique_count' ? 'groupUniqArrayArray(one.unique_keys)' : 'CAST([] AS Array(String))'} AS merged_keys
    FROM (
        SELECT c, toUInt64(1) AS record_count, v AS value, timestamp AS last_timestamp, event_id AS last_event_id, [user_key] AS unique_keys
        FROM (${GENERATOR})
        WHERE m = {meter:UInt8}
    ) AS one
    GROUP BY c, w
)
SETTINGS max_insert_threads = 2`;
}

/**
 * Every event as the record its meter counted (meter_records: read where a range cuts a window), as
 * the usage sink writes them. source_offset is not modelled (0): nothing reads it back.
 */
export const INSERT_RECORDS = `INSERT INTO meter_records (meter_id, customer_id, timestamp, event_id, value, unique_key, source_topic, source_partition, source_offset)
SELECT {meter_ids:Array(String)}[m + 1], customer_id, timestamp, event_id, v, if(m = 2, user_key, NULL),
    concat({meter_topic_prefix:String}, {meter_ids:Array(String)}[m + 1]), toUInt32(c % ${PARTITIONS}), 0
FROM (${GENERATOR})
SETTINGS max_insert_threads = 2, optimize_on_insert = 0`;

/** Records per (meter, meter-topic partition) in the whole data set: the partitions' end offsets. */
export const RECORDS_PER_PARTITION = `SELECT m, toUInt32(c % ${PARTITIONS}) AS partition, toString(count()) AS records
FROM (${GENERATOR}) GROUP BY m, partition ORDER BY m, partition`;

/** End offset per "meter_id/partition" so far (the aggregator's resume position, usageProgressQuery). */
export const USAGE_PROGRESS = `SELECT meter_id, source_partition AS partition, toString(max(source_end_offset)) AS end_offset
FROM meter_usage GROUP BY meter_id, source_partition`;

/**
 * A meter's merged value for one customer over [start, end) computed from the raw events (the check
 * of the derived meter_usage rows against the events they came from).
 */
export function rawUsageQuery(meter: DatasetMeter): string {
  const key = meter.aggregation.key;
  const value = key ? `toDecimal128(JSONExtractRaw(metadata, {key:String}), 12)` : '';
  const expressions: Record<AggregationType, string> = {
    count: 'toString(count())',
    sum: `toString(sum(${value}))`,
    max: `toString(max(${value}))`,
    last: `toString(argMax(${value}, (timestamp, event_id)))`,
    unique_count: 'toString(uniqExact(JSONExtractString(metadata, {key:String})))',
  };
  return `SELECT ${expressions[meter.aggregation.type]} AS total, toString(count()) AS records FROM events
WHERE customer_id = {customer_id:String} AND event_name = {event_name:String}
  AND timestamp >= {start:DateTime64(3, 'UTC')} AND timestamp < {end:DateTime64(3, 'UTC')}`;
}

