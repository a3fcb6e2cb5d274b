import type { Meter, MeterRecord } from '../model/meter';
import { eventKey, invalidEvent, type UsageEvent } from '../model/usage-event';
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
 * - `repeat`: its (customer_id, event_id) was counted already, it is dropped;
 * - `route`: the event counts (its key joins the deduplication window) with one record per matching
 *   meter that could use it, and one DLQ record per matching meter that could not.
 */
export type RouteDecision =
  | ({ kind: 'dead-letter' } & DeadLetter)
  | { kind: 'repeat' }
  | { kind: 'route'; event: UsageEvent; records: MeterRecord[]; rejected: DeadLetter[] };

export interface RouteContext {
  /** Events routed from this partition (within the window of event time). */
  window: Pick<DedupWindow, 'has' | 'isTooOld' | 'windowMs'>;
  /** Keys (eventKey) of the events routed earlier in the same batch, not yet in the window. */
  routedInBatch: { has(key: string): boolean };
  now: number;
  /** Active meters whose event name and filter match the event. */
  matchingMeters(event: UsageEvent): readonly Meter[];
}

/**
 * The router's decision for one record: pure, the I/O (decoding, encoding, the transaction) is the
 * caller's. A repeat is dropped before the age check, so a repeat inside the window never reaches the DLQ.
 */
export function decideRoute(decoded: DecodedEvent, context: RouteContext): RouteDecision {
  if (!decoded.ok) return { kind: 'dead-letter', code: 'UNDECODABLE', reason: decoded.reason };
  const event = decoded.value;
  const invalid = invalidEvent(event);
  if (invalid !== undefined) return { kind: 'dead-letter', code: 'INVALID_EVENT', reason: invalid };
  const { window, routedInBatch, now } = context;
  // An event is (customer_id, event_id): the partition is chosen by customer id, so every copy of an
  // event reaches this partition, and the same id under another customer is another event.
  if (window.has(event) || routedInBatch.has(eventKey(event))) return { kind: 'repeat' };
  if (window.isTooOld(event.timestamp, now)) {
    const reason = `event time ${new Date(event.timestamp).toISOString()} is older than the ${window.windowMs / 60000}-minute deduplication window`;
    return { kind: 'dead-letter', code: 'EVENT_OUTSIDE_DEDUP_WINDOW', reason };
  }
  const records: MeterRecord[] = [];
  const rejected: DeadLetter[] = [];
  for (const meter of context.matchingMeters(event)) {
    const extraction = extractMeterRecord(meter, event);
    if (extraction.ok) records.push(extraction.record);
    else rejected.push({ code: extraction.code, reason: extraction.reason });
  }
  return { kind: 'route', event, records, rejected };
}
