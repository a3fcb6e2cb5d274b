import { type EventReader, type Logger } from '@meterstream/common';
import { type UsageEvent } from '@meterstream/domain';

/**
 * Which event ids were accepted before, for Dodo's idempotent ingest ("an event_id seen before is
 * ignored and not counted in ingested_count"): the ClickHouse events table, plus the ids this gateway
 * published recently (the raw event sink lags by up to a flush interval). Counting exactness does not
 * rest on this: the router drops repeated ids in any case. Two gateways receiving the same new id at
 * the same moment may both report it as ingested; it still counts once.
 */
export class SeenEvents {
  private readonly recent = new Set<string>();
  /** The same ids in the order they were remembered, as a ring: the oldest is overwritten first. */
  private readonly order: string[] = [];
  private next = 0;

  constructor(
    private readonly events: Pick<EventReader, 'knownIds'>,
    private readonly logger: Logger,
    private readonly capacity = 500000,
  ) {}

  /** The events whose ids were not accepted before. */
  async unseen(events: readonly UsageEvent[]): Promise<UsageEvent[]> {
    const candidates = events.filter((e) => !this.recent.has(e.event_id));
    if (candidates.length === 0) return [];
    let known: Set<string>;
    try {
      known = await this.events.knownIds(candidates.map((e) => e.event_id));
    } catch (err) {
      // Ingest stays available; the router still drops repeats, only ingested_count may overstate.
      this.logger.warn({ err }, 'could not look up known event ids');
      known = new Set();
    }
    return candidates.filter((e) => !known.has(e.event_id));
  }

  remember(events: readonly UsageEvent[]): void {
    // O(1) per id: deleting the oldest ids by iterating the Set from its start would walk over the
    // slots of every id deleted before (V8 keeps them until the table is rebuilt).
    for (const { event_id: id } of events) {
      if (this.recent.has(id)) continue;
      if (this.order.length < this.capacity) {
        this.order.push(id);
      } else {
        this.recent.delete(this.order[this.next]);
        this.order[this.next] = id;
        this.next = (this.next + 1) % this.capacity;
      }
      this.recent.add(id);
    }
  }
}
