import { eventKey, type EventRef } from '@meterstream/domain';
import type { Warehouse } from '../warehouse/warehouse';
import { eventsByIdQuery, eventsPageQuery, knownEventsQuery, type EventRow, type EventScope } from '../queries/event-queries';

/** Rows scanned at most to answer one page filtered by a predicate (a meter's filter). */
export const MAX_FILTER_SCAN_ROWS = 200000;
const SCAN_CHUNK = 5000;

/** Raw events from the ClickHouse events table (written by the aggregator's raw event sink). */
export class EventReader {
  constructor(
    private readonly warehouse: Warehouse,
    private readonly maxScanRows = MAX_FILTER_SCAN_ROWS,
    private readonly scanChunk = SCAN_CHUNK,
  ) {}

  /** A page of events, newest first, one row per event (customer_id, event_id). */
  page(scope: EventScope, limit: number, offset: number): Promise<EventRow[]> {
    const { query, params } = eventsPageQuery(scope, limit, offset);
    return this.warehouse.query<EventRow>(query, params);
  }

  /**
   * A page of the events that `keep` accepts, newest first. Rows are scanned in chunks, newest first,
   * up to `maxScanRows`: a page may come back short when matches are rarer than that.
   */
  async matchingPage(scope: EventScope, keep: (row: EventRow) => boolean, limit: number, offset: number): Promise<EventRow[]> {
    const items: EventRow[] = [];
    let skipped = 0;
    for (let scanned = 0; scanned < this.maxScanRows && items.length < limit; scanned += this.scanChunk) {
      const rows = await this.page(scope, this.scanChunk, scanned);
      for (const row of rows) {
        if (!keep(row)) continue;
        if (skipped < offset) skipped++;
        else if (items.length < limit) items.push(row);
      }
      if (rows.length < this.scanChunk) break;
    }
    return items;
  }

  /**
   * The events with this id (of this customer when given), one per customer, at most two: an event id
   * is unique per customer only.
   */
  withId(eventId: string, customerId?: string): Promise<EventRow[]> {
    const { query, params } = eventsByIdQuery(eventId, customerId);
    return this.warehouse.query<EventRow>(query, params);
  }

  /** The keys (eventKey) of the events among `events` that the events table already holds. */
  async knownEvents(events: readonly EventRef[]): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    const wanted = new Set(events.map(eventKey));
    const { query, params } = knownEventsQuery(events);
    const rows = await this.warehouse.query<EventRef>(query, params);
    return new Set(rows.map(eventKey).filter((key) => wanted.has(key)));
  }
}
