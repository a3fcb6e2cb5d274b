import { correctionIdsQuery, countedRecordsQuery } from './record-queries';

describe('correctionIdsQuery', () => {
  it('reads every record version (no FINAL) with a correction id in the range, per pair, sorted and once each', () => {
    const { query, params } = correctionIdsQuery(['m1', 'm1', "m'2"], ['c1'], Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 2, 0, 0, 0, 5));
    expect(query).toMatch(/FROM meter_records\s+WHERE/);
    expect(query).not.toContain('FINAL');
    expect(query).toContain("correction_id != ''");
    expect(query).toContain('arraySort(groupUniqArray(correction_id)) AS correction_ids');
    expect(query).toContain("timestamp >= {start:DateTime64(3, 'UTC')} AND timestamp < {end:DateTime64(3, 'UTC')}");
    expect(query).toContain('GROUP BY meter_id, customer_id');
    expect(query).not.toMatch(/m'2|c1|2026/);
    expect(params).toEqual({ meter_ids: ['m1', "m'2"], customer_ids: ['c1'], start: '2026-01-01 00:00:00.000', end: '2026-01-02 00:00:00.005' });
  });
});

describe('countedRecordsQuery', () => {
  it('binds the ids, deduplicated', () => {
    expect(countedRecordsQuery(['m', 'm'], ['c'], ['e1', 'e1', 'e2']).params).toEqual({ meter_ids: ['m'], customer_ids: ['c'], event_ids: ['e1', 'e2'] });
  });
});
