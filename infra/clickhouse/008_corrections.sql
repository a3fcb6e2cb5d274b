-- Usage corrections: backfill, void and amend (docs/corrections.md).
--
-- meter_records holds one row per (meter, customer, timestamp, event) and version: a void or amend
-- inserts a later row with the same key (deleted = 1 for a removal, the new value for a replacement).
-- The ReplacingMergeTree keeps the last inserted row of a key, which is the latest change: the
-- aggregator inserts a partition's records in offset order, one flush after the other, and keeps only
-- the last row of a key within a flush. correction_id names the correction or backfill batch a row comes
-- from ('' for a new event); rows are read with FINAL, then deleted = 0.
ALTER TABLE meter_records ADD COLUMN IF NOT EXISTS deleted UInt8 DEFAULT 0;
ALTER TABLE meter_records ADD COLUMN IF NOT EXISTS correction_id String DEFAULT '';
-- Repeat checks of backfilled events look an event up by id within its meter and customer.
ALTER TABLE meter_records ADD INDEX IF NOT EXISTS idx_event_id event_id TYPE bloom_filter GRANULARITY 4;

-- Windows whose stored partial in meter_usage no longer holds (a record in it was removed or replaced):
-- usage reads these windows from meter_records instead, for every aggregation (count and sum could
-- subtract; max, last and unique_count cannot). Written by the usage sink in the flush that applies the
-- correction, before the partials that carry the progress.
CREATE TABLE IF NOT EXISTS corrected_windows
(
    meter_id LowCardinality(String),
    customer_id String,
    window_start DateTime64(3, 'UTC'),
    window_end DateTime64(3, 'UTC'),
    correction_id String,
    source_topic LowCardinality(String),
    source_partition UInt32,
    source_offset UInt64
)
ENGINE = ReplacingMergeTree
ORDER BY (meter_id, customer_id, window_start)
SETTINGS non_replicated_deduplication_window = 10000;

-- The audit trail: one row per corrected event and correction (void, amend) and per backfilled event
-- and batch (backfill), written by the raw event sink from the events topic in the same insert as its
-- progress. metadata is the event's metadata after the change (void: ''); the state before is the
-- previous row of the event's history (ordered by source_offset) or the event itself.
CREATE TABLE IF NOT EXISTS event_corrections
(
    correction_id String,
    kind LowCardinality(String),
    customer_id String,
    event_id String,
    event_name LowCardinality(String),
    timestamp DateTime64(3, 'UTC'),
    metadata String,
    requested_by String,
    reason String,
    requested_at DateTime64(3, 'UTC'),
    source_topic LowCardinality(String),
    source_partition UInt32,
    source_offset UInt64,
    INDEX idx_correction_id correction_id TYPE bloom_filter GRANULARITY 4
)
ENGINE = ReplacingMergeTree
ORDER BY (customer_id, event_id, correction_id)
SETTINGS non_replicated_deduplication_window = 10000;
