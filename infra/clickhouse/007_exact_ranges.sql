-- Exact usage over any [start, end) and totals that cannot overflow (docs/exactly-once.md, "Usage over
-- any range").
--
-- Every record the aggregator counted, one row per (meter, event). Usage over a range whose start or end
-- falls inside a 1-minute window takes the whole windows inside the range from meter_usage and the
-- records of the two edge windows from here. Written by the usage sink in the same flush, before the
-- partials whose insert carries the progress: a crash between the two inserts writes these rows again,
-- and the ReplacingMergeTree (read with FINAL) keeps one row per (meter, customer, timestamp, event).
-- Values are Decimal(76, 12), the type of every stored value and total.
CREATE TABLE IF NOT EXISTS meter_records
(
    meter_id LowCardinality(String),
    customer_id String,
    timestamp DateTime64(3, 'UTC'),
    event_id String,
    value Decimal(76, 12),
    unique_key Nullable(String),
    source_topic LowCardinality(String),
    source_partition UInt32,
    source_offset UInt64
)
ENGINE = ReplacingMergeTree
ORDER BY (meter_id, customer_id, timestamp, event_id)
SETTINGS non_replicated_deduplication_window = 10000;

-- A value is at most 26 integer and 12 fraction digits (enforced at the gateway and the router);
-- Decimal(76, 12) holds 64 integer digits, so no sum of values can reach its limit (10^38 records of
-- the largest value would be needed). sum() over Decimal(76, 12) is computed in the same 256-bit type.
-- MODIFY COLUMN to the type a column already has does nothing.
ALTER TABLE meter_usage MODIFY COLUMN value Decimal(76, 12);
ALTER TABLE invoices MODIFY COLUMN total Decimal(76, 12);
