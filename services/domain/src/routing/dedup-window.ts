import { eventKey, type EventRef } from '../model/usage-event';

/**
 * Events already routed from one `events` partition, kept for a window of event time. Pure: no I/O.
 * An event is identified by (customer_id, event_id) (eventKey): the same event_id under two customers is
 * two events. A key is forgotten once its event time falls out of the window; events older than the
 * window are refused by the router (they could no longer be checked), never counted blindly.
 *
 * Changelog records written before events were identified per customer hold the event id alone; they
 * are kept as legacy ids, which match that id under any customer, until they leave the window.
 */
export class DedupWindow {
  private readonly seen = new Map<string, number>();
  private readonly legacy = new Map<string, number>();
  private lastExpiry = 0;

  constructor(readonly windowMs: number) {}

  get size(): number {
    return this.seen.size + this.legacy.size;
  }

  has(event: EventRef): boolean {
    return this.seen.has(eventKey(event)) || (this.legacy.size > 0 && this.legacy.has(event.event_id));
  }

  /** True when this key (eventKey, correctionKey) was remembered and has not expired. */
  hasKey(key: string): boolean {
    return this.seen.has(key);
  }

  /** Remembers an event by its key (eventKey), or a correction (correctionKey), until `timestamp` leaves the window. */
  add(key: string, timestamp: number): void {
    remember(this.seen, key, timestamp);
  }

  /** Remembers an event id routed before events were identified per customer. */
  addLegacyId(eventId: string, timestamp: number): void {
    remember(this.legacy, eventId, timestamp);
  }

  /** True when an event of this time can no longer be checked for repeats. */
  isTooOld(timestamp: number, now: number): boolean {
    return timestamp < now - this.windowMs;
  }

  /** Forgets events older than the window (at most once a second). */
  expire(now: number): void {
    if (now - this.lastExpiry < 1000) return;
    this.lastExpiry = now;
    const horizon = now - this.windowMs;
    for (const map of [this.seen, this.legacy]) for (const [id, timestamp] of map) if (timestamp < horizon) map.delete(id);
  }
}

function remember(map: Map<string, number>, key: string, timestamp: number): void {
  const known = map.get(key);
  if (known === undefined || timestamp > known) map.set(key, timestamp);
}
