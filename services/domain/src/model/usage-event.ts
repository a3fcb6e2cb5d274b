import { readDecimal } from '../decimal-text';

/** A number carried as exact decimal text (JSON numbers are converted at the edge). */
export interface DecimalNumber {
  decimal: string;
}

/**
 * A metadata value: text, a boolean, a number as exact decimal text, or an exact integer (the Avro
 * `long` branch, which direct Kafka producers may use; decoded as a bigint so that no digit is lost).
 */
export type MetadataValue = string | boolean | DecimalNumber | bigint;

/** A usage event as it travels on the `events` topic (Avro schema schemas/usage-event.avsc). */
export interface UsageEvent {
  event_id: string;
  customer_id: string;
  event_name: string;
  /** Event time in epoch milliseconds (UTC). */
  timestamp: number;
  metadata: Record<string, MetadataValue>;
  /**
   * When the gateway (or a direct producer) accepted the event, epoch milliseconds. Optional on the
   * topic (null from a direct producer that leaves it out): readers fill it in from the Kafka record's
   * timestamp (withIngestedAt).
   */
  ingested_at: number | null;
  /** The backfill batch the event came in (POST /events/backfill); null or absent otherwise. */
  backfill_id?: string | null;
  /** Set when this record is a correction of an accepted event, not a new event (docs/corrections.md). */
  correction?: EventCorrection | null;
}

export const CORRECTION_KINDS = ['void', 'amend'] as const;
export type CorrectionKind = (typeof CORRECTION_KINDS)[number];

/**
 * A correction of an accepted event, carried on the `events` topic in the corrected event's partition
 * (so it always comes after the event). The record's event_id, customer_id, event_name and timestamp are
 * the corrected event's; its metadata is the new metadata (amend) or empty (void).
 */
export interface EventCorrection {
  /** The client's id of the correction: a correction id counts once per customer. */
  correction_id: string;
  kind: CorrectionKind;
  /** Id of the API key that asked for it. */
  requested_by: string | null;
  reason: string | null;
}

/** The event with `ingested_at` filled in from the Kafka record time when its producer left it out. */
export function withIngestedAt<T extends UsageEvent>(event: T, recordTimestamp: number): T & { ingested_at: number } {
  return event.ingested_at === null || event.ingested_at === undefined ? { ...event, ingested_at: recordTimestamp } : (event as T & { ingested_at: number });
}

/** What identifies an event: its event_id within its customer (docs/exactly-once.md). */
export type EventRef = Pick<UsageEvent, 'customer_id' | 'event_id'>;

/**
 * One text per (customer_id, event_id), distinct for distinct pairs: the customer id's length, a colon,
 * the customer id, a colon, the event id. Used as the key of every set of seen events (the router's
 * deduplication window and changelog, the gateway's recent ids, the check for repeats in a request).
 */
export function eventKey(event: EventRef): string {
  return `${event.customer_id.length}:${event.customer_id}:${event.event_id}`;
}

/**
 * The key of a correction in the sets of seen events: a correction id counts once per customer. Starts
 * with "c" (an eventKey starts with a digit), so the two never collide.
 */
export function correctionKey(customerId: string, correctionId: string): string {
  return `c${customerId.length}:${customerId}:${correctionId}`;
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
    } else if (typeof value === 'bigint') {
      out[key] = Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** What makes a decoded event unusable (a record written with another, compatible schema), if anything. */
export function invalidEvent(event: UsageEvent): string | undefined {
  for (const field of ['event_id', 'customer_id', 'event_name'] as const) {
    if (typeof event[field] !== 'string' || event[field].length === 0) return `${field} must be a non-empty string`;
  }
  if (!Number.isFinite(event.timestamp)) return 'timestamp must be epoch milliseconds';
  if (typeof event.metadata !== 'object' || event.metadata === null) return 'metadata must be a map';
  const correction = event.correction;
  if (correction !== null && correction !== undefined) {
    if (typeof correction.correction_id !== 'string' || correction.correction_id.length === 0) return 'correction.correction_id must be a non-empty string';
    if (!(CORRECTION_KINDS as readonly string[]).includes(correction.kind)) return `correction.kind must be one of ${CORRECTION_KINDS.join(', ')}`;
  }
  // A number must be one by the same grammar and range as a number the gateway reads (docs/numbers.md):
  // a DecimalNumber from a direct producer is refused as a whole, as the gateway refuses the request.
  for (const [key, value] of Object.entries(event.metadata)) {
    if (!isDecimalNumber(value)) continue;
    const reading = readDecimal(value.decimal);
    if (!reading.ok) return `metadata.${key}: ${reading.message}`;
  }
  return undefined;
}
