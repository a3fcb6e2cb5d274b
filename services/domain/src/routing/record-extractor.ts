import { readDecimal } from '../decimal-text';
import type { Meter, MeterRecord } from '../model/meter';
import { metadataText, type UsageEvent } from '../model/usage-event';
import type { DlqCode } from './dlq-codes';

export type Extraction = { ok: true; record: MeterRecord } | { ok: false; code: DlqCode; reason: string };

/** What one meter reads from an event's metadata: its value (sum, max, last), its key (unique_count), or why not. */
export type MeteredValue = { ok: true; value: string | null; unique_key: string | null } | { ok: false; code: DlqCode; reason: string };

/**
 * What one meter takes from one matching event. count needs nothing; sum, max and last need a decimal
 * in range at the meter's key (readDecimal, decimal-text.ts); unique_count needs the key present. A
 * matching event without a usable value is not counted as zero: it is rejected (the router sends it to
 * the DLQ with the reason; the gateway refuses the same values with 422).
 */
export function meteredValue(meter: Meter, metadata: UsageEvent['metadata']): MeteredValue {
  const { type, key } = meter.aggregation;
  if (type === 'count') return { ok: true, value: null, unique_key: null };
  const raw = typeof key === 'string' && Object.hasOwn(metadata, key) ? metadata[key] : undefined;
  if (raw === undefined) {
    return { ok: false, code: 'METER_KEY_MISSING', reason: `meter ${meter.id} (${type}) needs metadata.${key}, which the event lacks` };
  }
  if (type === 'unique_count') return { ok: true, value: null, unique_key: metadataText(raw) };
  const reading = typeof raw === 'boolean' ? undefined : readDecimal(metadataText(raw));
  if (reading === undefined || !reading.ok) {
    return {
      ok: false,
      code: reading?.problem === 'out-of-range' ? 'METER_VALUE_OUT_OF_RANGE' : 'METER_VALUE_NOT_NUMERIC',
      reason: `meter ${meter.id} (${type}) needs a decimal in metadata.${key}: ${reading?.message ?? `got ${metadataText(raw)}`}`,
    };
  }
  return { ok: true, value: reading.text, unique_key: null };
}

/** The meter record one matching event gives one meter, or why it gives none (see meteredValue). */
export function extractMeterRecord(meter: Meter, event: UsageEvent): Extraction {
  const read = meteredValue(meter, event.metadata);
  if (!read.ok) return read;
  // Written out rather than spread: this runs once per event and meter on the router's hot path.
  const record: MeterRecord = {
    meter_id: meter.id,
    event_id: event.event_id,
    customer_id: event.customer_id,
    timestamp: event.timestamp,
    value: read.value,
    unique_key: read.unique_key,
  };
  return { ok: true, record };
}
