-- Views for querying usage with plain SQL (documented in docs/clickhouse.md). They merge the
-- aggregator's partials by each meter's aggregation; filter them by meter_id, customer_id and time.
-- {{merge:<aggregation>}} is that aggregation's merge expression, filled in when the migration is
-- applied (services/common/src/warehouse/migrations.ts) from its one rule in
-- services/domain/src/aggregations/.

-- Count, sum and max meters per (meter, customer, minute window).
CREATE VIEW IF NOT EXISTS usage_by_window AS
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
FROM meter_usage
GROUP BY meter_id, customer_id, window_start;

-- Per (meter, customer, UTC day): the same measures over the whole day (unique_count is the exact
-- distinct count of the day, not a sum of per-window counts).
CREATE VIEW IF NOT EXISTS usage_by_day AS
SELECT
    meter_id,
    customer_id,
    toStartOfDay(window_start) AS day,
    {{merge:count}} AS records,
    {{merge:sum}} AS sum_value,
    {{merge:max}} AS max_value,
    {{merge:last}} AS last_value,
    {{merge:unique_count}} AS unique_count
FROM meter_usage
GROUP BY meter_id, customer_id, day;
