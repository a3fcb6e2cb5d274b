import fs from 'node:fs';
import fc from 'fast-check';
import type { KafkaMessage } from 'kafkajs';
import { storedChanges, UsageBuffer } from '@meterstream/aggregator';
import { AvroCodec, openWarehouse, periodUsageQuery, totalOf, usageTotalQuery, type PeriodUsageRow, type Warehouse } from '@meterstream/common';
import { AGGREGATION_TYPES, type AggregationType, type MeterRecord } from '@meterstream/domain';
import { testConfig } from '../support/pipeline';
import { decimalValue, normalizeDecimal, usageOracle } from '../support/usage-oracle';

// The usage sink applies backfills (counted only if the meter has not counted the event before) and
// corrections (remove, replace: the window is then read from the stored records) on the real engine,
// through the real codec. Random sequences of new records, backfills (some of them repeats), voids and
// amends are written flush by flush, some flushes "crashing" after their first inserts and written
// again from the same messages, as a restarted aggregator does; some corrections are sent again later
// (after other corrections of the same event), as a direct producer may after the router's window. Usage over random ranges must equal an
// independent computation over the corrected record set (BigInt arithmetic, no service code).

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 4, 1, 9, 0, 0, 0);
const CASES = 60;
const RUN_SEED = Number(process.env.PROPERTY_SEED ?? Date.now() % 2 ** 30);

type Step =
  | { op: 'new' | 'backfill'; id: number; offset: number; value: string; key: string }
  | { op: 'remove'; id: number }
  | { op: 'replace'; id: number; value: string; key: string }
  /** The n-th correction sent so far, sent again (a direct producer after the router's window): no change. */
  | { op: 'resend'; n: number };

const value = decimalValue;
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constantFrom('new' as const, 'backfill' as const), id: fc.integer({ min: 0, max: 30 }), offset: fc.integer({ min: 0, max: 4 * MINUTE - 1 }), value, key: fc.constantFrom('a', 'b', 'c', 'd') }),
  fc.record({ op: fc.constant('remove' as const), id: fc.integer({ min: 0, max: 12 }) }),
  fc.record({ op: fc.constant('replace' as const), id: fc.integer({ min: 0, max: 12 }), value, key: fc.constantFrom('a', 'b', 'c', 'd') }),
  fc.record({ op: fc.constant('resend' as const), n: fc.integer({ min: 0, max: 10 }) }),
);
const scenario = fc.record({ steps: fc.array(step, { minLength: 10, maxLength: 40 }), cuts: fc.array(fc.integer({ min: 1, max: 39 }), { maxLength: 5 }), crashes: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }) });

interface Counted {
  timestamp: number;
  value: string;
  key: string;
}

/**
 * The meter records a scenario sends, as the router would: a `new` record only for an event not sent
 * before (the router's window drops repeats), a backfill always (the sink decides), a correction only
 * for an event that was sent. And the oracle's corrected record set, by event id.
 */
function play(type: AggregationType, customer: string, steps: readonly Step[]): { records: MeterRecord[]; current: Map<number, Counted> } {
  const records: MeterRecord[] = [];
  const sent = new Map<number, number>(); // id → event time of its first copy
  const current = new Map<number, Counted>();
  const record = (id: number, timestamp: number, v: string, key: string, change: MeterRecord['change'], correction_id: string | null): MeterRecord => ({
    meter_id: `m_${type}`,
    event_id: `ev_${id}`,
    customer_id: customer,
    timestamp,
    value: type === 'sum' || type === 'max' || type === 'last' ? v : null,
    unique_key: type === 'unique_count' ? key : null,
    change,
    correction_id,
  });
  const corrections: MeterRecord[] = [];
  steps.forEach((step, n) => {
    let s = step;
    if (s.op === 'resend') {
      // Preferably an earlier correction of the event corrected last, so that applying it again would
      // undo the later one.
      const latest = corrections[corrections.length - 1];
      const earlier = latest && corrections.find((c) => c.event_id === latest.event_id && c.correction_id !== latest.correction_id);
      const again = earlier ?? corrections[s.n % Math.max(1, corrections.length)];
      if (again) records.push(again);
      return;
    }
    if (s.op === 'new' || s.op === 'backfill') {
      if (s.op === 'new' && sent.has(s.id)) return;
      const timestamp = sent.get(s.id) ?? T0 + s.offset;
      records.push(record(s.id, timestamp, s.value, s.key, s.op === 'backfill' ? 'backfill' : null, s.op === 'backfill' ? `bf_${n}` : null));
      if (!sent.has(s.id)) {
        sent.set(s.id, timestamp);
        current.set(s.id, { timestamp, value: s.value, key: s.key });
      }
    } else {
      // A correction names one of the events sent so far (s.id picks it), as the gateway requires.
      const ids = [...sent.keys()];
      if (ids.length === 0) return;
      s = { ...s, id: ids[s.id % ids.length]! };
      const timestamp = sent.get(s.id)!;
      if (s.op === 'remove') {
        records.push(record(s.id, timestamp, '0', '', 'remove', `cor_${n}`));
        records[records.length - 1] = { ...records[records.length - 1]!, value: null, unique_key: null };
        current.delete(s.id);
      } else {
        records.push(record(s.id, timestamp, s.value, s.key, 'replace', `cor_${n}`));
        current.set(s.id, { timestamp, value: s.value, key: s.key });
      }
      corrections.push(records[records.length - 1]!);
    }
  });
  return { records, current };
}

describe('usage sink: backfills and corrections give the usage of the corrected record set, exactly', () => {
  const config = testConfig('corrections-usage');
  let warehouse: Warehouse;
  const codec = new AvroCodec(config.registryUrl);

  beforeAll(async () => {
    warehouse = await openWarehouse(config);
  });
  afterAll(async () => {
    await warehouse?.close();
    fs.rmSync(config.clickhouse.dataDir, { recursive: true, force: true });
  });

  it.each(AGGREGATION_TYPES.map((t) => [t]))('%s', async (type) => {
    const topic = `${config.kafka.topicPrefix}meter.m_${type}`;
    await codec.register(topic, 'meter-record');
    const encode = await codec.encoderFor(topic);
    const stored = storedChanges(warehouse);
    const newBuffer = () => new UsageBuffer(codec, () => type, MINUTE, stored);
    const cases = fc.sample(scenario, { numRuns: CASES, seed: RUN_SEED + AGGREGATION_TYPES.indexOf(type) });
    const expected = new Map<string, Map<number, Counted>>();
    let offset = 0;
    let replays = 0;
    for (const [i, c] of cases.entries()) {
      const customer = `case_${i}`;
      const { records, current } = play(type, customer, c.steps);
      expected.set(customer, current);
      const messages: KafkaMessage[] = records.map((r) => ({ offset: String(offset++), value: encode(r) }) as unknown as KafkaMessage);
      const cuts = [...new Set(c.cuts.filter((x) => x < messages.length))].sort((a, b) => a - b);
      const flushes = [0, ...cuts].map((from, n) => messages.slice(from, [...cuts, messages.length][n]));
      for (const [n, flush] of flushes.entries()) {
        if (flush.length === 0) continue;
        const source = { topic, partition: 0, endOffset: String(BigInt(flush[flush.length - 1]!.offset) + 1n) };
        if (c.crashes[n % c.crashes.length]) {
          // A crash after the records and corrected windows landed, before the partials: the restarted
          // sink reads the same messages again.
          const first = newBuffer();
          for (const m of flush) await first.add(m);
          const [recordsBatch, correctedBatch] = await first.rows(source);
          for (const batch of [recordsBatch!, correctedBatch!]) if (batch.rows.length > 0) await warehouse.insert(batch.table, batch.rows);
          replays++;
        }
        const buffer = newBuffer();
        for (const m of flush) expect((await buffer.add(m)).kind).toBe('buffered');
        for (const batch of await buffer.rows(source)) if (batch.rows.length > 0) await warehouse.insert(batch.table, batch.rows);
      }
    }
    expect(replays).toBeGreaterThan(0);

    const ranges: [number, number][] = [
      [T0, T0 + 4 * MINUTE],
      [T0 - MINUTE, T0 + 10 * MINUTE],
      ...fc.sample(fc.tuple(fc.integer({ min: -MINUTE, max: 5 * MINUTE }), fc.integer({ min: 1, max: 5 * MINUTE })), { numRuns: 12, seed: RUN_SEED }).map(([a, len]) => [T0 + a, T0 + a + len] as [number, number]),
    ];
    const customers = cases.map((_, i) => `case_${i}`);
    for (const [start, end] of ranges) {
      const built = periodUsageQuery([`m_${type}`], customers, start, end, MINUTE);
      const rows = await warehouse.query<PeriodUsageRow>(built.query, built.params);
      const byCustomer = new Map(rows.map((r) => [r.customer_id, r]));
      for (const customer of customers) {
        const inRange = [...expected.get(customer)!].filter(([, r]) => r.timestamp >= start && r.timestamp < end).map(([id, r]) => ({ id, ...r }));
        const got = normalizeDecimal(totalOf(type, byCustomer.get(customer)));
        const label = `${customer} [${start - T0}, ${end - T0}) PROPERTY_SEED=${RUN_SEED}`;
        expect({ label, total: got }).toEqual({ label, total: usageOracle(type, inRange) });
      }
    }
    // The documented view (docs/clickhouse.md) holds every window as corrected.
    const column = { count: 'records', sum: 'sum_value', max: 'max_value', last: 'last_value', unique_count: 'unique_count' }[type];
    const viewRows = await warehouse.query<{ customer_id: string; start: string; records: string; total: string }>(
      `SELECT customer_id, toString(toUnixTimestamp64Milli(window_start)) AS start, records, ${column} AS total
       FROM usage_by_window WHERE meter_id = {meter_id:String} AND records != '0'`,
      { meter_id: `m_${type}` },
    );
    const viewWindows = new Map(viewRows.map((r) => [`${r.customer_id}/${r.start}`, normalizeDecimal(r.total)]));
    const oracleWindows = new Map<string, string>();
    for (const [customer, current] of expected) {
      const byWindow = new Map<number, (Counted & { id: number })[]>();
      for (const [id, r] of current) {
        const start = Math.floor(r.timestamp / MINUTE) * MINUTE;
        byWindow.set(start, [...(byWindow.get(start) ?? []), { id, ...r }]);
      }
      for (const [start, records] of byWindow) oracleWindows.set(`${customer}/${start}`, usageOracle(type, records));
    }
    expect(Object.fromEntries(viewWindows)).toEqual(Object.fromEntries(oracleWindows));

    // The single-pair query (GET /usage, usage history) agrees on a sample.
    for (const customer of customers.slice(0, 15)) {
      const built = usageTotalQuery({ meterId: `m_${type}`, aggregation: type, customerId: customer, start: T0 + 17_123, end: T0 + 3 * MINUTE + 5, windowMs: MINUTE });
      const [row] = await warehouse.query<{ total: string; records: string }>(built.query, built.params);
      const inRange = [...expected.get(customer)!].filter(([, r]) => r.timestamp >= T0 + 17_123 && r.timestamp < T0 + 3 * MINUTE + 5).map(([id, r]) => ({ id, ...r }));
      expect({ customer, total: row!.records === '0' ? '0' : normalizeDecimal(row!.total) }).toEqual({ customer, total: usageOracle(type, inRange) });
    }
  });
});
