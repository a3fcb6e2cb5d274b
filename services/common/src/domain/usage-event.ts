/** A number carried as exact decimal text (JSON numbers are converted at the edge). */
export interface DecimalNumber {
  decimal: string;
}

export type MetadataValue = string | boolean | DecimalNumber;

/** A usage event as it travels on the `events` topic (Avro schema schemas/usage-event.avsc). */
export interface UsageEvent {
  event_id: string;
  customer_id: string;
  event_name: string;
  /** Event time in epoch milliseconds (UTC). */
  timestamp: number;
  metadata: Record<string, MetadataValue>;
  /** When the gateway (or a direct producer) accepted the event, epoch milliseconds. */
  ingested_at: number;
}

export function isDecimalNumber(value: MetadataValue): value is DecimalNumber {
  return typeof value === 'object' && value !== null && typeof value.decimal === 'string';
}

/** The metadata value as plain text, for filters and unique keys ("150", "true", "GET"). */
export function metadataText(value: MetadataValue): string {
  if (isDecimalNumber(value)) return value.decimal;
  return String(value);
}

/** Metadata as the public API shows it: numbers as JSON numbers when that is exact, else as text. */
export function metadataToJson(metadata: Record<string, MetadataValue>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (isDecimalNumber(value)) {
      const asNumber = Number(value.decimal);
      out[key] = String(asNumber) === value.decimal ? asNumber : value.decimal;
    } else {
      out[key] = value;
    }
  }
  return out;
}
