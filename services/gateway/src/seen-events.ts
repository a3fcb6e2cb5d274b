import { type EventReader, type Logger } from '@meterstream/common';
import { eventKey, type UsageEvent } from '@meterstream/domain';

/** Events one lookup asks about at most (requests of up to 1,000 events are never split). */
const LOOKUP_MAX_EVENTS = 10_000;

/**
 * Which events were accepted before, for Dodo's idempotent ingest ("an event_id seen before is ignored
 * and not counted in ingested_count"). An event is identified by (customer_id, event_id), as the router
 * identifies it (docs/exactly-once.md): the same event_id under another customer is another event.
 * Looked up in the ClickHouse events table, plus the events this gateway published recently (the raw
 * event sink lags by up to a flush interval). Counting exactness does not rest on this: the router drops
 * repeats in any case. Two gateways receiving the same new event at the same moment may both report it
 * as ingested; it still counts once.
 *
 * One lookup at a time: requests that arrive while a lookup runs wait for it and share the next one
 * (up to LOOKUP_MAX_EVENTS events), so concurrent requests cost one query, not one each; the embedded
 * engine runs a process's queries one after the other anyway (docs/benchmarks.md).
 */
export class SeenEvents {
  /** eventKey of the events remembered. */
  private readonly recent = new Set<string>();
  /** The same keys in the order they were remembered, as a ring: the oldest is overwritten first. */
  private readonly order: string[] = [];
  private next = 0;
  /** Requests waiting for the next lookup, and whether one runs. */
  private readonly waiting: { events: readonly UsageEvent[]; resolve: (known: Set<string>) => void }[] = [];
  private looking = false;

  constructor(
    private readonly events: Pick<EventReader, 'knownEvents'>,
    private readonly logger: Logger,
    private readonly capacity = 500000,
  ) {}

  /** The events that were not accepted before. */
  async unseen(events: readonly UsageEvent[]): Promise<UsageEvent[]> {
    const candidates = events.filter((e) => !this.recent.has(eventKey(e)));
    if (candidates.length === 0) return [];
    const known = await new Promise<Set<string>>((resolve) => {
      this.waiting.push({ events: candidates, resolve });
      if (!this.looking) void this.lookUp();
    });
    return candidates.filter((e) => !known.has(eventKey(e)));
  }

  /** Looks up what the waiting requests ask, in as few queries as LOOKUP_MAX_EVENTS allows. */
  private async lookUp(): Promise<void> {
    this.looking = true;
    while (this.waiting.length > 0) {
      let size = 0;
      let take = 0;
      while (take < this.waiting.length && (take === 0 || size + this.waiting[take].events.length <= LOOKUP_MAX_EVENTS)) size += this.waiting[take++].events.length;
      const group = this.waiting.splice(0, take);
      let known: Set<string>;
      try {
        known = await this.events.knownEvents(group.length === 1 ? group[0].events : group.flatMap((g) => g.events));
      } catch (err) {
        // Ingest stays available; the router still drops repeats, only ingested_count may overstate.
        this.logger.warn({ err }, 'could not look up known events');
        known = new Set();
      }
      for (const g of group) g.resolve(known);
    }
    this.looking = false;
  }

  remember(events: readonly UsageEvent[]): void {
    // O(1) per event: deleting the oldest keys by iterating the Set from its start would walk over the
    // slots of every key deleted before (V8 keeps them until the table is rebuilt).
    for (const event of events) {
      const key = eventKey(event);
      if (this.recent.has(key)) continue;
      if (this.order.length < this.capacity) {
        this.order.push(key);
      } else {
        this.recent.delete(this.order[this.next]);
        this.order[this.next] = key;
        this.next = (this.next + 1) % this.capacity;
      }
      this.recent.add(key);
    }
  }
}
