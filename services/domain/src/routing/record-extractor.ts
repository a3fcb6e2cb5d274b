import { readDecimal } from '../decimal-text';
import type { Meter, MeterRecord } from '../model/meter';
import { metadataText, type UsageEvent } from '../model/usage-event';
import type { DlqCode } from './dlq-codes';

export type Extraction = { ok: true; record: MeterRecord } | { ok: false; code: DlqCode; reason: string };

/**
 * What one meter takes from one matching event. count needs nothing; sum, max and last need a decimal
 * in range at the meter's key (readDecimal, decimal-text.ts: the gateway refuses the same values);
 * unique_count needs the key present. A matching event without a usable
 * value is not counted as zero: it is rejected (the router sends it to the DLQ with the reason).
 */
export function extractMeterRecord(meter: Meter, event: UsageEvent): Extraction {
  const base = { meter_id: meter.id, event_id: event.event_id, customer_id: event.customer_id, timestamp: event.timestamp };
  const { type, key } = meter.aggregation;
  if (type === 'count') return { ok: true, record: { ...base, value: null, unique_key: null } };
  const raw = typeof key === 'string' && Object.hasOwn(event.metadata, key) ? event.metadata[key] : undefined;
  if (raw === undefined) {
    return { ok: false, code: 'METER_KEY_MISSING', reason: `meter ${meter.id} (${type}) needs metadata.${key}, which the event lacks` };
  }
  if (type === 'unique_count') return { ok: true, record: { ...base, value: null, unique_key: metadataText(raw) } };
  const reading = typeof raw === 'boolean' ? undefined : readDecimal(metadataText(raw));
  if (reading === undefined || !reading.ok) {
    const outOfRange = reading?.problem === 'out-of-range';
    return {
      ok: false,
      code: outOfRange ? 'METER_VALUE_OUT_OF_RANGE' : 'METER_VALUE_NOT_NUMERIC',
      reason: `meter ${meter.id} (${type}) needs a decimal in metadata.${key}: ${reading?.message ?? `got ${metadataText(raw)}`}`,
    };
  }
  return { ok: true, record: { ...base, value: reading.text, unique_key: null } };
}
