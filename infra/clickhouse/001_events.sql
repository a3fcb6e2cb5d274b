-- Raw usage events, one row per accepted event (deduplicated by event_id per customer at merge time;
-- queries read with FINAL or LIMIT 1 BY). source_* record where the row came from in Kafka: the
-- aggregator's raw event sink resumes from max(source_offset) + 1 per partition, so progress is durable
-- in the same insert as the rows.
CREATE TABLE IF NOT EXISTS events
(
    event_id String,
    customer_id String,
    event_name LowCardinality(String),
    timestamp DateTime64(3, 'UTC'),
    metadata String,
    ingested_at DateTime64(3, 'UTC'),
    source_topic LowCardinality(String),
    source_partition UInt32,
    source_offset UInt64,
    INDEX idx_event_id event_id TYPE bloom_filter GRANULARITY 4,
    INDEX idx_timestamp timestamp TYPE minmax GRANULARITY 4
)
ENGINE = ReplacingMergeTree
ORDER BY (customer_id, event_id)
SETTINGS non_replicated_deduplication_window = 10000;
