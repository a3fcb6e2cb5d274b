-- Invoices as emitted on the invoices topic; the body is the full invoice JSON (exact decimal strings).
CREATE TABLE IF NOT EXISTS invoices
(
    id String,
    subscription_id String,
    customer_id String,
    currency LowCardinality(String),
    period_start DateTime64(3, 'UTC'),
    period_end DateTime64(3, 'UTC'),
    status LowCardinality(String),
    total Decimal(38, 12),
    body String,
    issued_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (subscription_id, period_start, id)
SETTINGS non_replicated_deduplication_window = 10000;
