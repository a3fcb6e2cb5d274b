import fs from 'node:fs';
import { migrate, openWarehouse, usageTotalQuery, usageWindowsQuery, type Warehouse } from '@meterstream/common';
import { type AggregationType } from '@meterstream/domain';
import { testConfig } from '../support/pipeline';

// Runs on the embedded engine (chdb) by default, and on a ClickHouse server when CLICKHOUSE_URL is set:
// the same migrations and the same query builders on both.
describe(`warehouse (${process.env.CLICKHOUSE_URL ? 'server' : 'embedded'})`, () => {
  const config = testConfig('warehouse');
  let warehouse: Warehouse;
  const meter = `mtr_${Date.now().toString(36)}`;
  const T0 = Date.UTC(2026, 0, 31, 23, 58);

  beforeAll(async () => {
    warehouse = await openWarehouse(config);
  });
  afterAll(async () => {
    await warehouse?.close();
    fs.rmSync(config.clickhouse.dataDir, { recursive: true, force: true });
  });

  const row = (over: Record<string, unknown>) => ({
    meter_id: meter,
    customer_id: "cus_o'brien",
    window_start: '2026-01-31 23:58:00.000',
    window_end: '2026-01-31 23:59:00.000',
    record_count: 1,
    value: '0',
    last_timestamp: '2026-01-31 23:58:00.000',
    last_event_id: 'e0',
    unique_keys: [],
    source_topic: 'meter.test',
    source_partition: 0,
    source_end_offset: 1,
    ...over,
  });

  async function total(aggregation: AggregationType, meterId = meter): Promise<string> {
    const { query, params } = usageTotalQuery({ meterId, aggregation, customerId: "cus_o'brien", start: T0, end: T0 + 3600000, windowMs: 60_000 });
    const [result] = await warehouse.query<{ total: string }>(query, params);
    return result.total;
  }

  it('applies the migrations again without harm', async () => {
    await migrate(warehouse);
    const tables = await warehouse.query<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN ('events', 'meter_usage', 'invoices') ORDER BY name",
    );
    expect(tables.map((t) => t.name)).toEqual(['events', 'invoices', 'meter_usage']);
  });

  it('keeps decimals exact end to end and merges partials by aggregation', async () => {
    await warehouse.insert('meter_usage', [
      row({ value: '12345678901234.123456789012', record_count: 2, last_timestamp: '2026-01-31 23:58:10.000', last_event_id: 'b', unique_keys: ['u1', 'u2'] }),
      row({ value: '0.000000000001', record_count: 3, last_timestamp: '2026-01-31 23:58:10.000', last_event_id: 'c', unique_keys: ['u2', 'u3'] }),
      row({ window_start: '2026-01-31 23:59:00.000', window_end: '2026-02-01 00:00:00.000', value: '7', last_timestamp: '2026-01-31 23:59:01.000', last_event_id: 'a', unique_keys: ['u1'] }),
    ]);
    expect(await total('sum')).toBe('12345678901241.123456789013');
    expect(await total('count')).toBe('6');
    expect(await total('max')).toBe('12345678901234.123456789012');
    expect(await total('last')).toBe('7');
    expect(await total('unique_count')).toBe('3');

    const { query, params } = usageWindowsQuery({ meterId: meter, aggregation: 'unique_count', customerId: "cus_o'brien", start: T0, end: T0 + 3600000, windowMs: 60_000 }, 'minute');
    const windows = await warehouse.query<{ bucket: string; value: string }>(query, params);
    expect(windows.map((w) => [new Date(w.bucket).toISOString(), w.value])).toEqual([
      ['2026-01-31T23:58:00.000Z', '3'],
      ['2026-01-31T23:59:00.000Z', '1'],
    ]);
  });

  it('ends each window at the next calendar boundary of the time zone, across daylight-saving changes', async () => {
    const dst = `${meter}_dst`;
    // Europe/Berlin: 2026-03-29 has 23 hours (clocks go forward), 2026-10-25 has 25.
    const at = ['2026-03-29 10:00:00.000', '2026-10-25 10:00:00.000', '2026-02-10 10:00:00.000'];
    await warehouse.insert(
      'meter_usage',
      at.map((t, i) => ({ ...row({ meter_id: dst, window_start: t, window_end: t, record_count: 1, value: '1', last_event_id: `d${i}` }) })),
    );
    const windows = async (window: 'day' | 'month', tz: string) => {
      const { query, params } = usageWindowsQuery({ meterId: dst, aggregation: 'count', customerId: "cus_o'brien", start: Date.UTC(2026, 0, 1), end: Date.UTC(2027, 0, 1), windowMs: 60_000 }, window, tz);
      const rows = await warehouse.query<{ bucket: string; bucket_end: string }>(query, params);
      return rows.map((r) => [new Date(r.bucket).toISOString(), new Date(r.bucket_end).toISOString()]);
    };
    expect(await windows('day', 'Europe/Berlin')).toEqual([
      ['2026-02-09T23:00:00.000Z', '2026-02-10T23:00:00.000Z'],
      ['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z'],
      ['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z'],
    ]);
    expect(await windows('month', 'Europe/Berlin')).toEqual([
      ['2026-01-31T23:00:00.000Z', '2026-02-28T23:00:00.000Z'],
      ['2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z'],
      ['2026-09-30T22:00:00.000Z', '2026-10-31T23:00:00.000Z'],
    ]);
    expect(await windows('day', 'UTC')).toEqual([
      ['2026-02-10T00:00:00.000Z', '2026-02-11T00:00:00.000Z'],
      ['2026-03-29T00:00:00.000Z', '2026-03-30T00:00:00.000Z'],
      ['2026-10-25T00:00:00.000Z', '2026-10-26T00:00:00.000Z'],
    ]);
  });

  it('serves the documented usage views from the same partials', async () => {
    const rows = await warehouse.query<Record<string, string>>(
      `SELECT toString(window_start) AS w, toString(records) AS records, toString(sum_value) AS sum_value, toString(max_value) AS max_value,
        toString(last_value) AS last_value, toString(unique_count) AS unique_count
       FROM usage_by_window WHERE meter_id = {m:String} AND customer_id = {c:String} ORDER BY window_start`,
      { m: meter, c: "cus_o'brien" },
    );
    expect(rows.map((r) => [r.records, r.sum_value, r.max_value, r.last_value, r.unique_count])).toEqual([
      ['5', '12345678901234.123456789013', '12345678901234.123456789012', '0.000000000001', '3'],
      ['1', '7', '7', '7', '1'],
    ]);
    const [day] = await warehouse.query<{ unique_count: string }>(
      'SELECT toString(unique_count) AS unique_count FROM usage_by_day WHERE meter_id = {m:String} AND customer_id = {c:String} AND day = toDate({d:String})',
      { m: meter, c: "cus_o'brien", d: '2026-01-31' },
    );
    expect(day.unique_count).toBe('3');
  });

  it('breaks ties of last by the greater event id', async () => {
    const tie = `${meter}_tie`;
    await warehouse.insert('meter_usage', [
      row({ meter_id: tie, value: '1', last_timestamp: '2026-01-31 23:58:30.000', last_event_id: 'evt-b' }),
      row({ meter_id: tie, value: '2', last_timestamp: '2026-01-31 23:58:30.000', last_event_id: 'evt-a' }),
    ]);
    expect(await total('last', tie)).toBe('1');
  });

  it('drops a retried insert carrying the same deduplication token', async () => {
    const dedup = `${meter}_dedup`;
    const rows = [row({ meter_id: dedup, value: '5' })];
    await warehouse.insert('meter_usage', rows, { dedupToken: `${dedup}:0:0-1` });
    await warehouse.insert('meter_usage', rows, { dedupToken: `${dedup}:0:0-1` });
    expect(await total('sum', dedup)).toBe('5');
    await warehouse.insert('meter_usage', rows, { dedupToken: `${dedup}:0:1-2` });
    expect(await total('sum', dedup)).toBe('10');
  });
});
