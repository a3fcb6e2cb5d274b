import { eventKey, type EventRef } from '@meterstream/domain';
import type { Warehouse } from '../warehouse/warehouse';
import { eventsByIdQuery, eventsPageQuery, knownEventsQuery, meterEventsPageQuery, type EventRow, type EventScope } from '../queries/event-queries';
import { listQuery } from './list-query';

/** Raw events from the ClickHouse events table (written by the aggregator's raw event sink). */
export class EventReader {
  constructor(private readonly warehouse: Warehouse) {}

  /** A page of events, newest first, one row per event (customer_id, event_id); at most LIST_QUERY_TIME_LIMIT_SECONDS. */
  page(scope: EventScope, limit: number, offset: number): Promise<EventRow[]> {
    return listQuery<EventRow>(this.warehouse, eventsPageQuery(scope, limit, offset));
  }

  /**
   * A page of the events meter `meterId` counted (its meter_records), newest first: reads only the
   * meter's records and the page's events, however many events are stored; at most
   * LIST_QUERY_TIME_LIMIT_SECONDS.
   */
  meterPage(meterId: string, scope: EventScope, limit: number, offset: number): Promise<EventRow[]> {
    return listQuery<EventRow>(this.warehouse, meterEventsPageQuery(meterId, scope, limit, offset));
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
