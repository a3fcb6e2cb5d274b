import { eventByIdQuery, eventsPageQuery, knownEventIdsQuery } from './event-queries';

describe('event queries', () => {
  it('binds every filter as a parameter, newest first, one row per event id', () => {
    const { query, params } = eventsPageQuery(
      { customerId: "cus_'; DROP TABLE events; --", eventName: 'api_call', start: Date.parse('2026-01-01T00:00:00Z'), end: Date.parse('2026-01-02T00:00:00.5Z') },
      10,
      20,
    );
    expect(query).toBe(`SELECT event_id, customer_id, event_name, timestamp, metadata FROM events WHERE customer_id = {customer_id:String} AND event_name = {event_name:String} AND timestamp >= {start:DateTime64(3, 'UTC')} AND timestamp < {end:DateTime64(3, 'UTC')}
ORDER BY timestamp DESC, event_id ASC
LIMIT 1 BY event_id
LIMIT {limit:UInt32} OFFSET {offset:UInt32}`);
    expect(params).toEqual({
      customer_id: "cus_'; DROP TABLE events; --",
      event_name: 'api_call',
      start: '2026-01-01 00:00:00.000',
      end: '2026-01-02 00:00:00.500',
      limit: 10,
      offset: 20,
    });
    expect(query).not.toContain('DROP');
  });

  it('has no WHERE without filters and binds only the filters given', () => {
    expect(eventsPageQuery({}, 5, 0).query.split('\n')[0]).toBe('SELECT event_id, customer_id, event_name, timestamp, metadata FROM events');
    const { query, params } = eventsPageQuery({ end: 0 }, 5, 0);
    expect(query.split('\n')[0]).toBe("SELECT event_id, customer_id, event_name, timestamp, metadata FROM events WHERE timestamp < {end:DateTime64(3, 'UTC')}");
    expect(params).toEqual({ end: '1970-01-01 00:00:00.000', limit: 5, offset: 0 });
  });

  it('reads one event by id and looks up known ids as one bound array', () => {
    expect(eventByIdQuery("e'1")).toEqual({
      query: 'SELECT event_id, customer_id, event_name, timestamp, metadata FROM events WHERE event_id = {event_id:String} LIMIT 1',
      params: { event_id: "e'1" },
    });
    const ids = ['a', "b'"];
    const known = knownEventIdsQuery(ids);
    expect(known).toEqual({ query: 'SELECT DISTINCT event_id FROM events WHERE event_id IN {ids:Array(String)}', params: { ids: ['a', "b'"] } });
    expect(known.params.ids).not.toBe(ids);
  });
});
