/**
 * Event ids already routed from one `events` partition, kept for a window of event time. Pure: no
 * I/O. An id is forgotten once its event time falls out of the window; events older than the window
 * are refused by the router (they could no longer be checked), never counted blindly.
 */
export class DedupWindow {
  private readonly seen = new Map<string, number>();
  private lastExpiry = 0;

  constructor(readonly windowMs: number) {}

  get size(): number {
    return this.seen.size;
  }

  has(eventId: string): boolean {
    return this.seen.has(eventId);
  }

  add(eventId: string, timestamp: number): void {
    const known = this.seen.get(eventId);
    if (known === undefined || timestamp > known) this.seen.set(eventId, timestamp);
  }

  /** True when an event of this time can no longer be checked for repeats. */
  isTooOld(timestamp: number, now: number): boolean {
    return timestamp < now - this.windowMs;
  }

  /** Forgets ids whose events are older than the window (at most once a second). */
  expire(now: number): void {
    if (now - this.lastExpiry < 1000) return;
    this.lastExpiry = now;
    const horizon = now - this.windowMs;
    for (const [id, timestamp] of this.seen) if (timestamp < horizon) this.seen.delete(id);
  }
}
