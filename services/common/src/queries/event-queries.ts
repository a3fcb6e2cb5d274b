import type { EventRef } from '@meterstream/domain';
import type { BuiltQuery } from './usage-queries';
import { LIST_QUERY_SETTINGS, optionalTime, whereGiven } from './optional-filters';

export interface EventScope {
  customerId?: string;
  eventName?: string;
  /** Inclusive, epoch ms. */
  start?: number;
  /** Exclusive, epoch ms. */
  end?: number;
}

export interface EventRow {
  event_id: string;
  customer_id: string;
  event_name: string;
  timestamp: string;
  metadata: string;
}

const COLUMNS = 'event_id, customer_id, event_name, timestamp, metadata';

/**
 * A page of raw events, newest first, one row per event (customer_id, event_id): the table deduplicates
 * at merge time, LIMIT 1 BY does it at read time. The same event id under two customers is two events.
 */
export function eventsPageQuery(scope: EventScope, limit: number, offset: number): BuiltQuery {
  const params: BuiltQuery['params'] = { limit, offset };
  const where = whereGiven(
    [
      { sql: 'customer_id = {customer_id:String}', param: 'customer_id', value: scope.customerId },
      { sql: 'event_name = {event_name:String}', param: 'event_name', value: scope.eventName },
      { sql: "timestamp >= {start:DateTime64(3, 'UTC')}", param: 'start', value: optionalTime(scope.start) },
      { sql: "timestamp < {end:DateTime64(3, 'UTC')}", param: 'end', value: optionalTime(scope.end) },
    ],
    params,
  );
  return {
    query: `SELECT ${COLUMNS} FROM events${where}
ORDER BY timestamp DESC, event_id ASC, customer_id ASC
LIMIT 1 BY customer_id, event_id
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
${LIST_QUERY_SETTINGS}`,
    params,
  };
}

/**
 * A page of the events meter `meterId` counted, newest first: the page's (customer, event) pairs come
 * from meter_records (one row per counted event, ordered by meter first, so only the meter's rows are
 * read; FINAL keeps one row per counted event, and lets ClickHouse keep only the top rows while it
 * sorts), then their rows from `events` by its primary key (customer_id, event_id), repeats dropped
 * (LIMIT 1 BY), so a page holds each event once. An event a correction removed from the meter (a void,
 * or an amend after which it no longer matches: its latest row is deleted, docs/corrections.md) is not
 * listed. The scope's event name is the meter's and is not applied again.
 */
export function meterEventsPageQuery(meterId: string, scope: EventScope, limit: number, offset: number): BuiltQuery {
  const params: BuiltQuery['params'] = { meter_id: meterId, limit, offset };
  const where = whereGiven(
    [
      { sql: 'meter_id = {meter_id:String}', param: 'meter_id', value: meterId },
      // Applied after FINAL (deleted is not in the sorting key): the latest row of each record decides.
      { sql: 'deleted = {deleted:UInt8}', param: 'deleted', value: 0 },
      { sql: 'customer_id = {customer_id:String}', param: 'customer_id', value: scope.customerId },
      { sql: "timestamp >= {start:DateTime64(3, 'UTC')}", param: 'start', value: optionalTime(scope.start) },
      { sql: "timestamp < {end:DateTime64(3, 'UTC')}", param: 'end', value: optionalTime(scope.end) },
    ],
    params,
  );
  return {
    query: `SELECT ${COLUMNS} FROM events
WHERE (customer_id, event_id) IN (
  SELECT customer_id, event_id FROM meter_records FINAL${where}
  ORDER BY timestamp DESC, event_id ASC, customer_id ASC
  LIMIT {limit:UInt32} OFFSET {offset:UInt32}
)
ORDER BY timestamp DESC, event_id ASC, customer_id ASC
LIMIT 1 BY customer_id, event_id
${LIST_QUERY_SETTINGS}`,
    params,
  };
}

/**
 * The events with this id, one row per customer, at most two (enough to tell one from several); of one
 * customer only when `customerId` is given.
 */
export function eventsByIdQuery(eventId: string, customerId?: string): BuiltQuery {
  const params: BuiltQuery['params'] = { event_id: eventId };
  let where = 'event_id = {event_id:String}';
  if (customerId !== undefined) {
    where += ' AND customer_id = {customer_id:String}';
    params.customer_id = customerId;
  }
  return { query: `SELECT ${COLUMNS} FROM events WHERE ${where} ORDER BY customer_id LIMIT 1 BY customer_id, event_id LIMIT 2`, params };
}

/**
 * The (customer_id, event_id) pairs the events table holds among candidates: rows whose customer and id
 * are both among the candidates' (two bound arrays, which the primary key (customer_id, event_id)
 * serves); the caller keeps the exact pairs.
 */
export function knownEventsQuery(events: readonly EventRef[]): BuiltQuery {
  return {
    query: 'SELECT DISTINCT customer_id, event_id FROM events WHERE customer_id IN {customers:Array(String)} AND event_id IN {ids:Array(String)}',
    params: { customers: [...new Set(events.map((e) => e.customer_id))], ids: [...new Set(events.map((e) => e.event_id))] },
  };
}

/**
 * The rows of these events (customer_id, event_id), one per event: rows whose customer and id are both
 * among the candidates' (two bound arrays, by primary key); the caller keeps the exact pairs.
 */
export function eventsByRefsQuery(events: readonly EventRef[]): BuiltQuery {
  return {
    query: `SELECT ${COLUMNS} FROM events WHERE customer_id IN {customers:Array(String)} AND event_id IN {ids:Array(String)} LIMIT 1 BY customer_id, event_id`,
    params: { customers: [...new Set(events.map((e) => e.customer_id))], ids: [...new Set(events.map((e) => e.event_id))] },
  };
}
