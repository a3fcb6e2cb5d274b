-- Invoice lines name the corrections and backfill batches they bill (InvoiceLine.corrections, docs/billing.md):
-- billing reads the correction ids of a meter, customers and period from meter_records at each period
-- close (correctionIdsQuery: correction_id != ''). Almost every record has none (''): a minmax index lets
-- that read skip every granule whose records all have none. Parts written before this migration have no
-- index and are read as before (ALTER TABLE … MATERIALIZE INDEX adds it).
ALTER TABLE meter_records ADD INDEX IF NOT EXISTS idx_correction_id correction_id TYPE minmax GRANULARITY 1;
