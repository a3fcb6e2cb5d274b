import type { BuiltQuery } from './usage-queries';

/** Where the aggregator's sinks report the offsets they made durable, per sink, topic and partition. */
export const SINK_PROGRESS_TABLE = 'sink_progress';

// The two resume queries match the `source_progress` projections of infra/clickhouse/006: the engine
// answers them from a few rows per part. Keep their SELECT and GROUP BY in step with those projections.

/**
 * The usage sink's resume position per partition of one meter topic: rows `{ partition, next_offset }`,
 * from the offsets stored with the usage rows themselves (each row holds the end of its flush).
 */
export function usageProgressQuery(topic: string): BuiltQuery {
  return {
    query: `SELECT source_partition AS partition, toString(max(source_end_offset)) AS next_offset
FROM meter_usage WHERE source_topic = {topic:String} GROUP BY source_partition`,
    params: { topic },
  };
}

/** The raw event sink's resume position per partition of `events`: one past the greatest stored offset. */
export function eventsProgressQuery(topic: string): BuiltQuery {
  return {
    query: `SELECT source_partition AS partition, toString(max(source_offset) + 1) AS next_offset
FROM events WHERE source_topic = {topic:String} GROUP BY source_partition`,
    params: { topic },
  };
}

/**
 * The offsets a sink reported durable: rows `{ topic, partition, durable }` for the given topics. Billing
 * waits on them before a period close.
 */
export function sinkProgressQuery(sink: string, topics: readonly string[]): BuiltQuery {
  return {
    query: `SELECT topic, partition, toString(max(durable_offset)) AS durable FROM ${SINK_PROGRESS_TABLE}
WHERE sink = {sink:String} AND topic IN {topics:Array(String)} GROUP BY topic, partition`,
    params: { sink, topics: [...topics] },
  };
}
