import { isStorableDecimal } from '../decimal';
import type { MeterRecord } from '../model/meter';
import { isDecimalNumber, type UsageEvent } from '../model/usage-event';
import { isWellFormedText } from '../text';
import { windowStartOf } from '../time';

/**
 * What the aggregator can store in ClickHouse, checked when a record is buffered: a record that fails
 * goes to the DLQ (UNSTORABLE_RECORD) instead of making its flush's insert fail again and again.
 * ClickHouse would refuse some of these (a decimal with too many digits) and silently store others
 * wrong (a DateTime64 outside its range wraps or saturates), so they are refused here, by one rule.
 */

/** The range of DateTime64(3, 'UTC'): 1900-01-01 00:00:00.000 to 2299-12-31 23:59:59.999. */
export const STORABLE_TIME_MIN_MS = -2208988800000; // Date.UTC(1900, 0, 1)
export const STORABLE_TIME_MAX_MS = 10413791999999; // Date.UTC(2300, 0, 1) - 1


/** True when `ms` is a whole number of milliseconds that DateTime64(3) holds. */
export function isStorableTime(ms: number): boolean {
  return Number.isInteger(ms) && ms >= STORABLE_TIME_MIN_MS && ms <= STORABLE_TIME_MAX_MS;
}


function badTime(field: string, ms: number): string {
  return `${field} ${ms} is outside ClickHouse DateTime64(3) (${STORABLE_TIME_MIN_MS}..${STORABLE_TIME_MAX_MS} ms, years 1900–2299)`;
}

/**
 * Why a meter record cannot be stored as a row of meter_records and a partial of meter_usage, or
 * undefined when it can: ids and keys must be well-formed non-empty text, the time and the end of its
 * window inside DateTime64(3), the value (when present) a storable decimal.
 */
export function unstorableMeterRecord(record: MeterRecord, windowMs: number): string | undefined {
  for (const field of ['meter_id', 'event_id', 'customer_id'] as const) {
    const value = record[field];
    if (!isWellFormedText(value) || value.length === 0) return `${field} must be non-empty well-formed text`;
  }
  if (!isStorableTime(record.timestamp)) return badTime('timestamp', record.timestamp);
  const windowEnd = windowStartOf(record.timestamp, windowMs) + windowMs;
  if (!isStorableTime(windowEnd - 1)) return badTime('window end', windowEnd);
  if (record.value !== null && (typeof record.value !== 'string' || !isStorableDecimal(record.value))) {
    return `value ${JSON.stringify(String(record.value).slice(0, 100))} is not a storable decimal`;
  }
  if (record.unique_key !== null && !isWellFormedText(record.unique_key)) return 'unique_key must be well-formed text';
  return undefined;
}

/**
 * Why a valid event (invalidEvent found nothing) cannot be stored as a row of the events table, or
 * undefined when it can: its text well-formed (metadata keys and values included) and both times
 * inside DateTime64(3).
 */
export function unstorableEvent(event: UsageEvent): string | undefined {
  for (const field of ['event_id', 'customer_id', 'event_name'] as const) {
    if (!isWellFormedText(event[field])) return `${field} must be well-formed text`;
  }
  if (!isStorableTime(event.timestamp)) return badTime('timestamp', event.timestamp);
  if (event.ingested_at !== null && !isStorableTime(event.ingested_at)) return badTime('ingested_at', event.ingested_at);
  for (const [key, value] of Object.entries(event.metadata)) {
    if (!isWellFormedText(key)) return 'a metadata key is not well-formed text';
    const text = isDecimalNumber(value) ? value.decimal : value;
    if (typeof text === 'string' && !isWellFormedText(text)) return `metadata ${JSON.stringify(key)} is not well-formed text`;
  }
  return undefined;
}
