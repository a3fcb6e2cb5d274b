import type { Warehouse } from '../warehouse/warehouse';
import { eventByIdQuery, eventsPageQuery, knownEventIdsQuery, meterEventsPageQuery, type EventRow, type EventScope } from '../queries/event-queries';
import { listQuery } from './list-query';

/** Raw events from the ClickHouse events table (written by the aggregator's raw event sink). */
export class EventReader {
  constructor(private readonly warehouse: Warehouse) {}

  /** A page of events, newest first, one row per event id; at most LIST_QUERY_TIME_LIMIT_SECONDS. */
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

  async byId(eventId: string): Promise<EventRow | undefined> {
    const { query, params } = eventByIdQuery(eventId);
    const [row] = await this.warehouse.query<EventRow>(query, params);
    return row;
  }

  /** The ids among `eventIds` that the events table already holds. */
  async knownIds(eventIds: readonly string[]): Promise<Set<string>> {
    const { query, params } = knownEventIdsQuery(eventIds);
    return new Set((await this.warehouse.query<{ event_id: string }>(query, params)).map((r) => r.event_id));
  }
}
