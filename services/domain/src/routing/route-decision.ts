import type { Meter, MeterRecord } from '../model/meter';
import { correctionKey, eventKey, invalidEvent, type EventCorrection, type UsageEvent } from '../model/usage-event';
import type { DlqCode } from './dlq-codes';
import type { DedupWindow } from './dedup-window';
import { extractMeterRecord } from './record-extractor';

/** One record of `events` as the codec left it: an event, or why its bytes are not one. */
export type DecodedEvent = { ok: true; value: UsageEvent } | { ok: false; reason: string };

export interface DeadLetter {
  code: DlqCode;
  reason: string;
}

/**
 * What the router does with one record of `events`:
 * - `dead-letter`: the record as a whole goes to the DLQ with this code;
 * - `repeat`: its (customer_id, event_id), or its correction id, was routed already: it is dropped;
 * - `route`: the record counts (as an event or as a correction) with one record per meter it changes,
 *   and one DLQ record per matching meter that could not use it. `key` joins the deduplication window
 *   until `rememberUntil` (event time) leaves it.
 */
export type RouteDecision =
  | ({ kind: 'dead-letter' } & DeadLetter)
  | { kind: 'repeat' }
  | { kind: 'route'; event: UsageEvent; key: string; rememberUntil: number; records: MeterRecord[]; rejected: DeadLetter[] };

export interface RouteContext {
  /** Events and corrections routed from this partition (within the window). */
  window: Pick<DedupWindow, 'hasKey' | 'has' | 'isTooOld' | 'windowMs'>;
  /** Keys (eventKey, correctionKey) of what was routed earlier in the same batch, not yet in the window. */
  routedInBatch: { has(key: string): boolean };
  now: number;
  /** The Kafka record's timestamp (epoch ms): the age limit of backfill is measured from it. */
  recordTime: number;
  /** BACKFILL_MAX_AGE_DAYS in ms: older events (and corrections of them) go to the DLQ. */
  backfillMaxAgeMs: number;
  /** Active meters whose event name and filter match the event. */
  matchingMeters(event: UsageEvent): readonly Meter[];
  /** Every active meter of an event name (what a correction may touch). */
  metersNamed(eventName: string): readonly Meter[];
}

/**
 * The router's decision for one record: pure, the I/O (decoding, encoding, the transaction) is the
 * caller's. A repeat is dropped before the age checks, so a repeat inside the window never reaches the
 * DLQ.
 *
 * Age: an event older than the deduplication window (by the clock) but not older than the backfill limit
 * (by its Kafka record time) is routed as a `backfill` record: the aggregator counts it only if its meter
 * has not counted the event before, which it checks in the stored records (docs/exactly-once.md,
 * "Backfill"). Such an event is remembered in the window by its arrival time, so repeats that arrive
 * soon after are dropped here already.
 */
export function decideRoute(decoded: DecodedEvent, context: RouteContext): RouteDecision {
  if (!decoded.ok) return { kind: 'dead-letter', code: 'UNDECODABLE', reason: decoded.reason };
  const event = decoded.value;
  const invalid = invalidEvent(event);
  if (invalid !== undefined) return { kind: 'dead-letter', code: 'INVALID_EVENT', reason: invalid };
  const { window, routedInBatch, now } = context;
  // An event is (customer_id, event_id): the partition is chosen by customer id, so every copy of an
  // event, and every correction of it, reaches this partition, after the event itself.
  const correction = event.correction ?? null;
  const key = correction === null ? eventKey(event) : correctionKey(event.customer_id, correction.correction_id);
  if (window.hasKey(key) || (correction === null && window.has(event)) || routedInBatch.has(key)) return { kind: 'repeat' };
  if (beyondBackfillLimit(event.timestamp, context.recordTime, context.backfillMaxAgeMs)) {
    const days = context.backfillMaxAgeMs / 86_400_000;
    const what = correction === null ? 'event' : `${correction.kind} of an event whose`;
    const reason = `${what} time ${new Date(event.timestamp).toISOString()} is more than ${days} days before the record time ${new Date(context.recordTime).toISOString()} (BACKFILL_MAX_AGE_DAYS)`;
    return { kind: 'dead-letter', code: 'EVENT_OLDER_THAN_BACKFILL_LIMIT', reason };
  }
  const old = window.isTooOld(event.timestamp, now);
  const rememberUntil = old || correction !== null ? Math.max(event.timestamp, now) : event.timestamp;
  const records: MeterRecord[] = [];
  const rejected: DeadLetter[] = [];
  if (correction === null) {
    const change = old ? 'backfill' : null;
    const correctionId = event.backfill_id ?? null;
    for (const meter of context.matchingMeters(event)) {
      const extraction = extractMeterRecord(meter, event);
      if (extraction.ok) records.push(change === null && correctionId === null ? extraction.record : { ...extraction.record, change, correction_id: correctionId });
      else rejected.push({ code: extraction.code, reason: extraction.reason });
    }
  } else {
    const changes = correctionRecords(event, correction, context);
    records.push(...changes.records);
    rejected.push(...changes.rejected);
  }
  return { kind: 'route', event, key, rememberUntil, records, rejected };
}

/**
 * True when an event of this time is too old to count or to correct: more than the backfill limit
 * (BACKFILL_MAX_AGE_DAYS) before the Kafka record time. The router and the raw event sink apply the same
 * rule to the same record, so they agree on every record whenever each reads it.
 */
export function beyondBackfillLimit(eventTime: number, recordTime: number, backfillMaxAgeMs: number): boolean {
  return eventTime < recordTime - backfillMaxAgeMs;
}

/**
 * The records a correction sends to the meters: a void removes the event from every active meter of its
 * name; an amend replaces its record in the meters the new metadata matches and removes it from the
 * others (which may never have counted it: a removal of nothing changes nothing). A meter the new
 * metadata matches but cannot use (its value is not a number) has the event removed, with the reason
 * for the DLQ. `event` carries the corrected event's id, customer, name and time and the new metadata.
 */
export function correctionRecords(
  event: UsageEvent,
  correction: EventCorrection,
  meters: Pick<RouteContext, 'matchingMeters' | 'metersNamed'>,
): { records: MeterRecord[]; rejected: DeadLetter[] } {
  const records: MeterRecord[] = [];
  const rejected: DeadLetter[] = [];
  const matching = new Set(correction.kind === 'amend' ? meters.matchingMeters(event).map((m) => m.id) : []);
  for (const meter of meters.metersNamed(event.event_name)) {
    const extraction = matching.has(meter.id) ? extractMeterRecord(meter, event) : undefined;
    if (extraction?.ok) {
      records.push({ ...extraction.record, change: 'replace', correction_id: correction.correction_id });
      continue;
    }
    if (extraction && !extraction.ok) rejected.push({ code: extraction.code, reason: `${extraction.reason} (amend ${correction.correction_id}: the event is removed from this meter)` });
    records.push({ meter_id: meter.id, event_id: event.event_id, customer_id: event.customer_id, timestamp: event.timestamp, value: null, unique_key: null, change: 'remove', correction_id: correction.correction_id });
  }
  return { records, rejected };
}
