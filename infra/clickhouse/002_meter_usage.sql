-- Partial aggregates per (meter, customer, window), one row per aggregator flush. Reading usage merges
-- the partials by the meter's aggregation: each aggregation's fold and merge expression live in one
-- file, services/domain/src/aggregations/<aggregation>.ts.
-- The table has no PARTITION BY, so one insert is one part: the rows of a flush and the Kafka offsets
-- they cover (source_*) become durable together. The aggregator resumes each partition from
-- max(source_end_offset).
CREATE TABLE IF NOT EXISTS meter_usage
(
    meter_id LowCardinality(String),
    customer_id String,
    window_start DateTime64(3, 'UTC'),
    window_end DateTime64(3, 'UTC'),
    record_count UInt64,
    value Decimal(38, 12),
    last_timestamp DateTime64(3, 'UTC'),
    last_event_id String,
    unique_keys Array(String),
    source_topic LowCardinality(String),
    source_partition UInt32,
    source_end_offset UInt64,
    inserted_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY (meter_id, customer_id, window_start)
SETTINGS non_replicated_deduplication_window = 10000;
