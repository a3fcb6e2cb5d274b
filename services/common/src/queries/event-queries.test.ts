import { eventsByIdQuery, eventsByRefsQuery, eventsPageQuery, knownEventsQuery, meterEventsPageQuery } from './event-queries';

describe('event queries', () => {
  it('binds every filter as a parameter, newest first, one row per (customer, event id)', () => {
    const { query, params } = eventsPageQuery(
      { customerId: "cus_'; DROP TABLE events; --", eventName: 'api_call', start: Date.parse('2026-01-01T00:00:00Z'), end: Date.parse('2026-01-02T00:00:00.5Z') },
      10,
      20,
    );
    expect(query).toBe(`SELECT event_id, customer_id, event_name, timestamp, metadata FROM events WHERE customer_id = {customer_id:String} AND event_name = {event_name:String} AND timestamp >= {start:DateTime64(3, 'UTC')} AND timestamp < {end:DateTime64(3, 'UTC')}
ORDER BY timestamp DESC, event_id ASC, customer_id ASC
LIMIT 1 BY customer_id, event_id
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
SETTINGS max_execution_time = 5`);
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

  it("pages a meter's events from its meter_records, joined to events by primary key, with a time limit", () => {
    const { query, params } = meterEventsPageQuery("mtr_'x", { customerId: "cus_'1", eventName: 'ignored', start: 0, end: 1000 }, 10, 30);
    expect(query).toBe(`SELECT event_id, customer_id, event_name, timestamp, metadata FROM events
WHERE (customer_id, event_id) IN (
  SELECT customer_id, event_id FROM meter_records FINAL WHERE meter_id = {meter_id:String} AND deleted = {deleted:UInt8} AND customer_id = {customer_id:String} AND timestamp >= {start:DateTime64(3, 'UTC')} AND timestamp < {end:DateTime64(3, 'UTC')}
  ORDER BY timestamp DESC, event_id ASC, customer_id ASC
  LIMIT {limit:UInt32} OFFSET {offset:UInt32}
)
ORDER BY timestamp DESC, event_id ASC, customer_id ASC
LIMIT 1 BY customer_id, event_id
SETTINGS max_execution_time = 5`);
    expect(params).toEqual({ meter_id: "mtr_'x", deleted: 0, customer_id: "cus_'1", start: '1970-01-01 00:00:00.000', end: '1970-01-01 00:00:01.000', limit: 10, offset: 30 });
    expect(meterEventsPageQuery('m', {}, 1, 0).query).toContain('FROM meter_records FINAL WHERE meter_id = {meter_id:String} AND deleted = {deleted:UInt8}\n');
  });

  it('has no WHERE without filters and binds only the filters given', () => {
    expect(eventsPageQuery({}, 5, 0).query.split('\n')[0]).toBe('SELECT event_id, customer_id, event_name, timestamp, metadata FROM events');
    const { query, params } = eventsPageQuery({ end: 0 }, 5, 0);
    expect(query.split('\n')[0]).toBe("SELECT event_id, customer_id, event_name, timestamp, metadata FROM events WHERE timestamp < {end:DateTime64(3, 'UTC')}");
    expect(params).toEqual({ end: '1970-01-01 00:00:00.000', limit: 5, offset: 0 });
  });

  it('reads the events with an id, one per customer and at most two, of one customer when given', () => {
    const select = 'SELECT event_id, customer_id, event_name, timestamp, metadata FROM events WHERE';
    expect(eventsByIdQuery("e'1")).toEqual({
      query: `${select} event_id = {event_id:String} ORDER BY customer_id LIMIT 1 BY customer_id, event_id LIMIT 2`,
      params: { event_id: "e'1" },
    });
    expect(eventsByIdQuery("e'1", "c'2")).toEqual({
      query: `${select} event_id = {event_id:String} AND customer_id = {customer_id:String} ORDER BY customer_id LIMIT 1 BY customer_id, event_id LIMIT 2`,
      params: { event_id: "e'1", customer_id: "c'2" },
    });
  });

  it('looks up known (customer, event id) pairs as two bound arrays without repeats', () => {
    const known = knownEventsQuery([
      { customer_id: 'c1', event_id: 'a' },
      { customer_id: "c'2", event_id: 'a' },
      { customer_id: 'c1', event_id: "b'" },
    ]);
    expect(known).toEqual({
      query: 'SELECT DISTINCT customer_id, event_id FROM events WHERE customer_id IN {customers:Array(String)} AND event_id IN {ids:Array(String)}',
      params: { customers: ['c1', "c'2"], ids: ['a', "b'"] },
    });
  });

  it('reads the rows of several events, one per (customer, event id), by two bound arrays', () => {
    expect(eventsByRefsQuery([{ customer_id: 'c1', event_id: 'a' }, { customer_id: "c'2", event_id: 'a' }])).toEqual({
      query: 'SELECT event_id, customer_id, event_name, timestamp, metadata FROM events WHERE customer_id IN {customers:Array(String)} AND event_id IN {ids:Array(String)} LIMIT 1 BY customer_id, event_id',
      params: { customers: ['c1', "c'2"], ids: ['a'] },
    });
  });
});
