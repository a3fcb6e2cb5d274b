import { latestCorrectionQuery } from './correction-target-queries';

describe('latestCorrectionQuery', () => {
  it("asks the audit trail for the event's latest void or amend, every value bound", () => {
    const { query, params } = latestCorrectionQuery("o'brien", 'evt_1');
    expect(query).toContain('FROM event_corrections FINAL');
    expect(query).toContain('customer_id = {customer_id:String} AND event_id = {event_id:String} AND kind IN {kinds:Array(String)}');
    expect(query).toMatch(/ORDER BY source_offset DESC LIMIT 1$/);
    expect(query).not.toMatch(/brien|evt_1|void|amend/);
    expect(params).toEqual({ customer_id: "o'brien", event_id: 'evt_1', kinds: ['void', 'amend'] });
  });
});
