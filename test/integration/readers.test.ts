import fs from 'node:fs';
import {
  EventReader,
  InvoiceReader,
  UsageReader,
  eventsProgressQuery,
  listQuery,
  openWarehouse,
  sinkProgressQuery,
  usageProgressQuery,
  type Warehouse,
} from '@meterstream/common';
import { eventKey, type Invoice } from '@meterstream/domain';
import { testConfig } from '../support/pipeline';

// The readers the gateway routes call, and the progress queries of the aggregator and billing, on the
// embedded engine (a ClickHouse server when CLICKHOUSE_URL is set), after the real migrations.
describe(`readers (${process.env.CLICKHOUSE_URL ? 'server' : 'embedded'})`, () => {
  const config = testConfig('readers');
  let warehouse: Warehouse;
  const tag = Date.now().toString(36);
  const customer = `cus_o'brien_${tag}`;

  beforeAll(async () => {
    warehouse = await openWarehouse(config);
  });
  afterAll(async () => {
    await warehouse?.close();
    fs.rmSync(config.clickhouse.dataDir, { recursive: true, force: true });
  });

  describe('UsageReader', () => {
    const meter = `mtr_${tag}`;
    const usageRow = (windowStart: string, value: string, count = 1, offset = 1) => ({
      meter_id: meter,
      customer_id: customer,
      window_start: windowStart,
      window_end: windowStart,
      record_count: count,
      value,
      last_timestamp: windowStart,
      last_event_id: `e${offset}`,
      unique_keys: [],
      source_topic: `meter.${meter}`,
      source_partition: offset % 2,
      source_end_offset: offset,
    });
    const scope = { meterId: meter, aggregation: 'sum' as const, customerId: customer, start: Date.UTC(2026, 0, 1), end: Date.UTC(2026, 1, 1) };

    beforeAll(async () => {
      await warehouse.insert('meter_usage', [
        usageRow('2026-01-05 10:00:00.000', '12.500000000000', 2, 3),
        usageRow('2026-01-05 23:59:00.000', '0.000000000001', 1, 4),
        usageRow('2026-01-07 00:00:00.000', '7', 3, 7),
        usageRow('2026-02-01 00:00:00.000', '1000', 1, 8), // outside [start, end)
      ]);
    });

    it('gives the total as canonical decimal text and counts by the meter aggregation', async () => {
      const reader = new UsageReader(warehouse, 60_000);
      expect(await reader.total(scope)).toBe('19.500000000001');
      expect(await reader.total({ ...scope, aggregation: 'count' })).toBe('6');
      expect(await reader.total({ ...scope, aggregation: 'max' })).toBe('12.5');
    });

    it('gives "0" where no record fell in the range', async () => {
      const reader = new UsageReader(warehouse, 60_000);
      expect(await reader.total({ ...scope, start: Date.UTC(2025, 0, 1), end: Date.UTC(2025, 1, 1) })).toBe('0');
      expect(await reader.total({ ...scope, customerId: 'cus_nobody' })).toBe('0');
    });

    it('gives one value per calendar window of the time zone, oldest first, as epoch ms', async () => {
      const reader = new UsageReader(warehouse, 60_000);
      expect(await reader.windows(scope, 'day')).toEqual([
        { start: Date.UTC(2026, 0, 5), end: Date.UTC(2026, 0, 6), value: '12.500000000001' },
        { start: Date.UTC(2026, 0, 7), end: Date.UTC(2026, 0, 8), value: '7' },
      ]);
      // In Tokyo (UTC+9) 2026-01-05 23:59 UTC is already the 6th.
      expect((await reader.windows(scope, 'day', 'Asia/Tokyo')).map((w) => [new Date(w.start).toISOString(), w.value])).toEqual([
        ['2026-01-04T15:00:00.000Z', '12.5'],
        ['2026-01-05T15:00:00.000Z', '0.000000000001'],
        ['2026-01-06T15:00:00.000Z', '7'],
      ]);
      expect(await reader.windows({ ...scope, customerId: 'cus_nobody' }, 'month')).toEqual([]);
    });

    it('resumes the usage sink at the greatest end offset per partition (usageProgressQuery)', async () => {
      const { query, params } = usageProgressQuery(`meter.${meter}`);
      const rows = await warehouse.query<{ partition: number; next_offset: string }>(query, params);
      expect(rows.map((r) => [Number(r.partition), r.next_offset]).sort()).toEqual([
        [0, '8'],
        [1, '7'],
      ]);
    });
  });

  describe('EventReader', () => {
    const name = `api_call_${tag}`;
    const eventRow = (id: string, at: string, metadata: Record<string, string | number>, offset: number, customerId = customer) => ({
      event_id: id,
      customer_id: customerId,
      event_name: name,
      timestamp: at,
      metadata: JSON.stringify(metadata),
      ingested_at: at,
      source_topic: `events.${tag}`,
      source_partition: offset % 2,
      source_offset: offset,
    });

    beforeAll(async () => {
      await warehouse.insert('events', [
        eventRow(`${tag}_1`, '2026-01-01 00:00:01.000', { method: 'GET' }, 10),
        eventRow(`${tag}_2`, '2026-01-01 00:00:02.000', { method: 'POST' }, 11),
        eventRow(`${tag}_3`, '2026-01-01 00:00:03.000', { method: 'GET' }, 12),
        eventRow(`${tag}_4`, '2026-01-01 00:00:04.000', { method: 'POST' }, 13),
        eventRow(`${tag}_5`, '2026-01-01 00:00:05.000', { method: 'GET' }, 14),
        eventRow(`${tag}_6`, '2026-01-01 00:00:06.000', { method: 'GET' }, 15),
      ]);
      // The same event stored again (a raw event sink replay before a merge): listed once.
      await warehouse.insert('events', [eventRow(`${tag}_3`, '2026-01-01 00:00:03.000', { method: 'GET' }, 12)]);
    });

    const ids = (rows: { event_id: string }[]) => rows.map((r) => r.event_id.slice(tag.length + 1));

    it('pages events newest first, once per id, within the scope', async () => {
      const reader = new EventReader(warehouse);
      expect(ids(await reader.page({ customerId: customer, eventName: name }, 10, 0))).toEqual(['6', '5', '4', '3', '2', '1']);
      expect(ids(await reader.page({ eventName: name }, 2, 1))).toEqual(['5', '4']);
      const window = { eventName: name, start: Date.UTC(2026, 0, 1, 0, 0, 2), end: Date.UTC(2026, 0, 1, 0, 0, 4) };
      expect(ids(await reader.page(window, 10, 0))).toEqual(['3', '2']);
      expect(await reader.page({ eventName: name, customerId: 'cus_nobody' }, 10, 0)).toEqual([]);
    });

    it("pages the events a meter counted (its meter_records), newest first, once each, within the scope", async () => {
      const meterId = `mtr_${tag}`;
      const record = (n: number, at: string, offset: number) => ({
        meter_id: meterId,
        customer_id: customer,
        timestamp: at,
        event_id: `${tag}_${n}`,
        value: '1',
        unique_key: null,
        source_topic: `meter.${tag}`,
        source_partition: 0,
        source_offset: offset,
      });
      // The meter counted the GET events 1, 3, 5 and 6 (5 twice: a replayed flush before a merge).
      await warehouse.insert('meter_records', [record(1, '2026-01-01 00:00:01.000', 1), record(3, '2026-01-01 00:00:03.000', 2), record(5, '2026-01-01 00:00:05.000', 3)]);
      await warehouse.insert('meter_records', [record(5, '2026-01-01 00:00:05.000', 3), record(6, '2026-01-01 00:00:06.000', 4)]);
      const reader = new EventReader(warehouse);
      expect(ids(await reader.meterPage(meterId, {}, 10, 0))).toEqual(['6', '5', '3', '1']);
      expect(ids(await reader.meterPage(meterId, { customerId: customer }, 2, 1))).toEqual(['5', '3']);
      expect(ids(await reader.meterPage(meterId, { start: Date.UTC(2026, 0, 1, 0, 0, 3), end: Date.UTC(2026, 0, 1, 0, 0, 6) }, 10, 0))).toEqual(['5', '3']);
      expect(await reader.meterPage(meterId, { customerId: 'cus_nobody' }, 10, 0)).toEqual([]);
      expect(await reader.meterPage(`${meterId}_other`, {}, 10, 0)).toEqual([]);
      const [row] = await reader.meterPage(meterId, {}, 1, 0);
      expect(row).toMatchObject({ event_id: `${tag}_6`, customer_id: customer, event_name: name, metadata: '{"method":"GET"}' });
      // A void removed event 3 from the meter (a later row of its record, deleted: docs/corrections.md); an
      // amend replaced event 1's record (still counted).
      await warehouse.insert('meter_records', [{ ...record(3, '2026-01-01 00:00:03.000', 9), deleted: 1, correction_id: 'cor_void' }, { ...record(1, '2026-01-01 00:00:01.000', 10), value: '2', correction_id: 'cor_amend' }]);
      expect(ids(await reader.meterPage(meterId, {}, 10, 0))).toEqual(['6', '5', '1']);
    });

    it('stops a listing query at its time limit with a retryable 503 QUERY_TIMEOUT', async () => {
      const slow = { query: 'SELECT count() FROM numbers_mt(100000000000) WHERE sipHash64(number) % 7 = 3 SETTINGS max_execution_time = 1', params: {} };
      // Without the limit this query would run for minutes, past the test's timeout.
      await expect(listQuery(warehouse, slow)).rejects.toMatchObject({ code: 'QUERY_TIMEOUT', status: 503, retryable: true });
    });

    it('reads one event by id, and tells which (customer, id) pairs it holds', async () => {
      const reader = new EventReader(warehouse);
      expect(await reader.withId(`${tag}_2`)).toEqual([
        {
          event_id: `${tag}_2`,
          customer_id: customer,
          event_name: name,
          timestamp: expect.stringMatching(/^2026-01-01T00:00:02(\.000)?Z$/),
          metadata: '{"method":"POST"}',
        },
      ]);
      expect(await reader.withId(`${tag}_missing`)).toEqual([]);
      const mine = (id: string) => ({ customer_id: customer, event_id: `${tag}_${id}` });
      const keys = await reader.knownEvents([mine('1'), mine('missing'), mine('6'), { customer_id: 'cus_other', event_id: `${tag}_1` }]);
      expect(keys).toEqual(new Set([eventKey(mine('1')), eventKey(mine('6'))]));
      expect(await reader.knownEvents([mine('missing')])).toEqual(new Set());
    });

    it('keeps the same event id of two customers apart: listed twice, found twice, known per customer', async () => {
      const shared = `${tag}_shared`;
      const otherName = `${name}_shared`;
      const row = (customerId: string, offset: number) => ({ ...eventRow(shared, '2026-01-02 00:00:00.000', { n: 1 }, offset, customerId), event_name: otherName, source_topic: `events.${tag}.shared` });
      await warehouse.insert('events', [row('cus_b', 20), row('cus_a', 21)]);
      const reader = new EventReader(warehouse);
      expect((await reader.page({ eventName: otherName }, 10, 0)).map((r) => r.customer_id).sort()).toEqual(['cus_a', 'cus_b']);
      expect((await reader.withId(shared)).map((r) => r.customer_id)).toEqual(['cus_a', 'cus_b']);
      expect((await reader.withId(shared, 'cus_b')).map((r) => r.customer_id)).toEqual(['cus_b']);
      const refs = [{ customer_id: 'cus_a', event_id: shared }, { customer_id: 'cus_c', event_id: shared }];
      expect(await reader.knownEvents(refs)).toEqual(new Set([eventKey(refs[0])]));
    });

    it('resumes the raw event sink one past the greatest offset per partition (eventsProgressQuery)', async () => {
      const { query, params } = eventsProgressQuery(`events.${tag}`);
      const rows = await warehouse.query<{ partition: number; next_offset: string }>(query, params);
      expect(rows.map((r) => [Number(r.partition), r.next_offset]).sort()).toEqual([
        [0, '15'],
        [1, '16'],
      ]);
    });
  });

  describe('InvoiceReader', () => {
    const invoice = (id: string, subscription: string, start: string, end: string): Invoice => ({
      id: `${tag}_${id}`,
      subscription_id: `${tag}_${subscription}`,
      customer_id: customer,
      product_id: 'prd_1',
      currency: 'USD',
      period_start: start,
      period_end: end,
      status: 'issued',
      lines: [],
      subtotal: '1000',
      total: '1000',
      issued_at: end,
    });
    const row = (i: Invoice) => ({
      id: i.id,
      subscription_id: i.subscription_id,
      customer_id: i.customer_id,
      currency: i.currency,
      period_start: i.period_start.replace('T', ' ').replace('Z', ''),
      period_end: i.period_end.replace('T', ' ').replace('Z', ''),
      status: i.status,
      total: i.total,
      body: JSON.stringify(i),
      issued_at: i.issued_at.replace('T', ' ').replace('Z', ''),
    });
    const jan = invoice('jan', 'sub_a', '2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z');
    const feb = invoice('feb', 'sub_a', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z');
    const other = invoice('other', 'sub_b', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z');

    beforeAll(async () => {
      await warehouse.insert('invoices', [jan, feb, other].map(row));
      // A retried insert of the same invoice (another block): FINAL shows it once.
      await warehouse.insert('invoices', [row(feb)]);
    });

    it('pages invoices newest period first, once each, within the scope', async () => {
      const reader = new InvoiceReader(warehouse);
      expect(await reader.page({ customerId: customer }, 10, 0)).toEqual([feb, other, jan]);
      expect(await reader.page({ customerId: customer, subscriptionId: `${tag}_sub_a` }, 10, 0)).toEqual([feb, jan]);
      expect(await reader.page({ customerId: customer }, 1, 1)).toEqual([other]);
      expect(await reader.page({ customerId: customer, periodStartFrom: Date.UTC(2026, 1, 1) }, 10, 0)).toEqual([feb, other]);
      expect(await reader.page({ customerId: customer, periodEndTo: Date.UTC(2026, 1, 1) }, 10, 0)).toEqual([jan]);
      expect(await reader.page({ customerId: customer, status: 'void' }, 10, 0)).toEqual([]);
    });

    it('reads one invoice by id', async () => {
      const reader = new InvoiceReader(warehouse);
      expect(await reader.byId(jan.id)).toEqual(jan);
      expect(await reader.byId(`${tag}_missing`)).toBeUndefined();
    });
  });

  it('reads the offsets a sink reported durable for the given topics (sinkProgressQuery)', async () => {
    const at = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
    const progress = (sink: string, topic: string, partition: number, offset: number, ms: number) => ({
      sink,
      topic: `${tag}.${topic}`,
      partition,
      durable_offset: offset,
      updated_at: at(ms),
    });
    await warehouse.insert('sink_progress', [
      progress('usage', 'meter.a', 0, 5, 1),
      progress('usage', 'meter.a', 0, 9, 2),
      progress('usage', 'meter.a', 1, 3, 1),
      progress('usage', 'meter.b', 0, 4, 1),
      progress('raw-events', 'meter.a', 0, 100, 1),
    ]);
    const { query, params } = sinkProgressQuery('usage', [`${tag}.meter.a`, `${tag}.meter.c`]);
    const rows = await warehouse.query<{ topic: string; partition: number; durable: string }>(query, params);
    expect(rows.map((r) => [r.topic.slice(tag.length + 1), Number(r.partition), r.durable]).sort()).toEqual([
      ['meter.a', 0, '9'],
      ['meter.a', 1, '3'],
    ]);
  });
});
