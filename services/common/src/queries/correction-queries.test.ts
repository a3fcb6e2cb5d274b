import { correctionByIdQuery, correctionsPageQuery, eventHistoriesQuery, knownCorrectionsQuery } from './correction-queries';

const COLUMNS = 'correction_id, kind, customer_id, event_id, event_name, timestamp, metadata, requested_by, reason, requested_at, source_offset';

describe('correction queries', () => {
  it('pages the audit trail newest first, one row per (customer, event, correction), every filter bound', () => {
    const { query, params } = correctionsPageQuery({ customerId: "cus_'1", eventId: 'e; DROP TABLE events', correctionId: 'cor_1', kind: 'amend' }, 10, 20);
    expect(query).toBe(`SELECT ${COLUMNS} FROM event_corrections WHERE customer_id = {customer_id:String} AND event_id = {event_id:String} AND correction_id = {correction_id:String} AND kind = {kind:String}
ORDER BY requested_at DESC, source_offset DESC, customer_id ASC, event_id ASC, correction_id ASC
LIMIT 1 BY customer_id, event_id, correction_id
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
SETTINGS max_execution_time = 5`);
    expect(params).toEqual({ customer_id: "cus_'1", event_id: 'e; DROP TABLE events', correction_id: 'cor_1', kind: 'amend', limit: 10, offset: 20 });
    expect(correctionsPageQuery({}, 5, 0).query.split('\n')[0]).toBe(`SELECT ${COLUMNS} FROM event_corrections`);
    expect(correctionsPageQuery({ kind: 'void' }, 5, 0).params).toEqual({ kind: 'void', limit: 5, offset: 0 });
  });

  it("looks up a customer's correction id, a void or amend before a backfill batch of the same id", () => {
    expect(correctionByIdQuery("c'1", "k'2")).toEqual({
      query: `SELECT ${COLUMNS} FROM event_corrections FINAL WHERE customer_id = {customer_id:String} AND correction_id = {correction_id:String}
ORDER BY kind IN {kinds:Array(String)} DESC, source_offset ASC LIMIT 1`,
      params: { customer_id: "c'1", correction_id: "k'2", kinds: ['void', 'amend'] },
    });
  });

  it('looks up known voids and amends and the histories of events as bound arrays without repeats', () => {
    expect(
      knownCorrectionsQuery([
        { customer_id: 'c1', correction_id: 'a' },
        { customer_id: 'c2', correction_id: 'a' },
        { customer_id: 'c1', correction_id: 'b' },
      ]),
    ).toEqual({
      query: 'SELECT DISTINCT customer_id, correction_id FROM event_corrections WHERE customer_id IN {customers:Array(String)} AND correction_id IN {ids:Array(String)} AND kind IN {kinds:Array(String)}',
      params: { customers: ['c1', 'c2'], ids: ['a', 'b'], kinds: ['void', 'amend'] },
    });
    expect(
      eventHistoriesQuery([
        { customer_id: 'c1', event_id: 'e1' },
        { customer_id: 'c1', event_id: 'e2' },
      ]),
    ).toEqual({
      query: `SELECT ${COLUMNS} FROM event_corrections FINAL WHERE customer_id IN {customers:Array(String)} AND event_id IN {ids:Array(String)}
ORDER BY customer_id, event_id, source_offset, correction_id`,
      params: { customers: ['c1'], ids: ['e1', 'e2'] },
    });
  });
});
