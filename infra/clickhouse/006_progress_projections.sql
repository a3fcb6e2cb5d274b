-- The aggregator reads its resume position (the greatest source offset per topic partition) at every
-- partition assignment. A projection keeps that maximum per part, inside the part: it becomes durable
-- in the same insert as the rows (so it can never be ahead of them or behind them), and the query reads
-- a few rows per part instead of scanning the table's offset columns. Parts written before this
-- migration have no projection and are read as before (ALTER TABLE … MATERIALIZE PROJECTION adds it).
ALTER TABLE meter_usage ADD PROJECTION IF NOT EXISTS source_progress
(
    SELECT source_topic, source_partition, max(source_end_offset)
    GROUP BY source_topic, source_partition
);

-- events is a ReplacingMergeTree: a merge that drops repeated rows rebuilds the projection.
ALTER TABLE events MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';
ALTER TABLE events ADD PROJECTION IF NOT EXISTS source_progress
(
    SELECT source_topic, source_partition, max(source_offset)
    GROUP BY source_topic, source_partition
);
