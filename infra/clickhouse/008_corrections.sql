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

-- The corrections each meter applied, one row per (meter, customer, correction id), written by the usage
-- sink in the flush that applies them (before the partials that carry the progress). A correction read
-- again later (a direct producer sending it after the router's window forgot it) finds its row from an
-- earlier offset and changes nothing, even after a later correction of the same event.
CREATE TABLE IF NOT EXISTS applied_corrections
(
    meter_id LowCardinality(String),
    customer_id String,
    correction_id String,
    event_id String,
    source_topic LowCardinality(String),
    source_partition UInt32,
    source_offset UInt64
)
ENGINE = ReplacingMergeTree
ORDER BY (meter_id, customer_id, correction_id)
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

-- The partials of every window as they hold after corrections: meter_usage's partials, except those of
-- corrected windows, whose records come from meter_records instead (latest version, removed ones left
-- out), one partial per record. The views below merge it; query it like meter_usage for exact usage
-- of whole windows after voids and amends (docs/clickhouse.md).
CREATE OR REPLACE VIEW usage_partials AS
SELECT meter_id, customer_id, window_start, window_end, record_count, value, last_timestamp, last_event_id, unique_keys
FROM meter_usage
WHERE (meter_id, customer_id, window_start) NOT IN (SELECT meter_id, customer_id, window_start FROM corrected_windows)
UNION ALL
SELECT r.meter_id AS meter_id, r.customer_id AS customer_id, w.window_start AS window_start, w.window_end AS window_end,
    toUInt64(1) AS record_count, r.value AS value, r.timestamp AS last_timestamp, r.event_id AS last_event_id,
    if(isNull(r.unique_key), CAST([] AS Array(String)), [assumeNotNull(r.unique_key)]) AS unique_keys
FROM
(
    SELECT meter_id, customer_id, timestamp, event_id, value, unique_key, deleted
    FROM meter_records FINAL
    WHERE (meter_id, customer_id) IN (SELECT meter_id, customer_id FROM corrected_windows)
) AS r
INNER JOIN (SELECT DISTINCT meter_id, customer_id, window_start, window_end FROM corrected_windows) AS w
    ON r.meter_id = w.meter_id AND r.customer_id = w.customer_id
WHERE r.timestamp >= w.window_start AND r.timestamp < w.window_end AND r.deleted = 0;

CREATE OR REPLACE VIEW usage_by_window AS
SELECT
    meter_id,
    customer_id,
    window_start,
    any(window_end) AS window_end,
    {{merge:count}} AS records,
    {{merge:sum}} AS sum_value,
    {{merge:max}} AS max_value,
    {{merge:last}} AS last_value,
    {{merge:unique_count}} AS unique_count
FROM usage_partials
GROUP BY meter_id, customer_id, window_start;

CREATE OR REPLACE VIEW usage_by_day AS
SELECT
    meter_id,
    customer_id,
    toStartOfDay(window_start) AS day,
    {{merge:count}} AS records,
    {{merge:sum}} AS sum_value,
    {{merge:max}} AS max_value,
    {{merge:last}} AS last_value,
    {{merge:unique_count}} AS unique_count
FROM usage_partials
GROUP BY meter_id, customer_id, day;
