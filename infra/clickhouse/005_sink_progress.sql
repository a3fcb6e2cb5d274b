-- How far each aggregator sink has made its input durable, per topic partition: every record below
-- durable_offset is in ClickHouse (transaction markers and aborted records count as passed). Written by
-- the aggregator after flushes; read by billing to know that a period's usage is complete.
CREATE TABLE IF NOT EXISTS sink_progress
(
    sink LowCardinality(String),
    topic LowCardinality(String),
    partition UInt32,
    durable_offset UInt64,
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (sink, topic, partition);
