/**
 * Every reason a record goes to the dead-letter topic (header dlq-code), with what it means. The router
 * writes only these codes; the DLQ command line lists them in its help. A new code is added here first,
 * so an operator reading the DLQ can always look it up.
 */
export const DLQ_CODES = {
  UNDECODABLE: 'not Avro the schema registry can decode (no wire format, unknown schema)',
  INVALID_EVENT: 'decodes, but lacks an event id, customer id, name, timestamp or metadata, or a DecimalNumber in metadata is not a decimal in range (docs/numbers.md)',
  EVENT_OUTSIDE_DEDUP_WINDOW: 'older than the ROUTER_DEDUP_WINDOW_MINUTES window: a repeat is undetectable (written by versions before backfill; no longer used)',
  EVENT_OLDER_THAN_BACKFILL_LIMIT: 'event time older than BACKFILL_MAX_AGE_DAYS before the Kafka record time: too old to count or correct (docs/corrections.md)',
  METER_KEY_MISSING: "a matching meter's aggregation key is not in the metadata",
  METER_VALUE_NOT_NUMERIC: "a matching meter's value is not a decimal number (docs/numbers.md)",
  METER_VALUE_OUT_OF_RANGE: "a matching meter's value is a decimal outside the range of metered values (26 integer, 12 fraction digits)",
  UNSTORABLE_RECORD:
    'the aggregator cannot store it in ClickHouse: a value, time or text outside what the tables hold (storable-record.ts), or a record ClickHouse refused with a data error (the reason quotes it)',
} as const satisfies Record<string, string>;

export type DlqCode = keyof typeof DLQ_CODES;

export function isDlqCode(code: string): code is DlqCode {
  return Object.hasOwn(DLQ_CODES, code);
}
