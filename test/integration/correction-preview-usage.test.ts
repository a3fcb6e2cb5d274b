import fs from 'node:fs';
import fc from 'fast-check';
import type { KafkaMessage } from 'kafkajs';
import { storedChanges, UsageBuffer } from '@meterstream/aggregator';
import { AvroCodec, openWarehouse, periodUsageQuery, totalOf, usageTotalQuery, type PeriodUsageRow, type RecordOverride, type Warehouse } from '@meterstream/common';
import { AGGREGATION_TYPES, type AggregationType, type MeterRecord } from '@meterstream/domain';
import { testConfig } from '../support/pipeline';
import { decimalValue, normalizeDecimal, usageOracle } from '../support/usage-oracle';

// POST /corrections/preview reads "usage after" with a RecordOverride: the usage query treats the
// corrected event's window as corrected, leaves its stored record out and adds the record after the
// change. On the real engine, for every aggregation: random record sets (new records and earlier voids
// and amends, so some windows are corrected already) are written through the usage sink; then a random
// void or amend of a random event is previewed over random ranges and compared with an independent
// computation (BigInt, no service code) over the record set as the correction would leave it; finally
// the correction is really applied through the sink and the stored usage must equal the preview.

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 4, 1, 9, 0, 0, 0);
const CASES = 40;
const RUN_SEED = Number(process.env.PROPERTY_SEED ?? Date.now() % 2 ** 30);

interface Counted {
  timestamp: number;
  value: string;
  key: string;
}

const value = decimalValue;
const key = fc.constantFrom('a', 'b', 'c', 'd');
type Step = { op: 'new'; id: number; offset: number; value: string; key: string } | { op: 'remove'; id: number } | { op: 'replace'; id: number; value: string; key: string };
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('new' as const), id: fc.integer({ min: 0, max: 20 }), offset: fc.integer({ min: 0, max: 4 * MINUTE - 1 }), value, key }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('remove' as const), id: fc.integer({ min: 0, max: 20 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('replace' as const), id: fc.integer({ min: 0, max: 20 }), value, key }) },
);
const scenario = fc.record({
  steps: fc.array(step, { minLength: 1, maxLength: 30 }),
  /** The previewed correction: of this event id (maybe never sent), a void or an amend to this value. */
  target: fc.integer({ min: 0, max: 22 }),
  targetOffset: fc.integer({ min: 0, max: 4 * MINUTE - 1 }),
  amend: fc.option(fc.record({ value, key }), { nil: undefined }),
  /** The range, relative to T0. */
  range: fc.tuple(fc.integer({ min: -MINUTE, max: 5 * MINUTE }), fc.integer({ min: 1, max: 6 * MINUTE })),
});

describe('usage with a record override: the preview of a void or amend equals the usage once it is applied, exactly', () => {
  const config = testConfig('preview-usage');
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
    const meterId = `m_${type}`;
    const topic = `${config.kafka.topicPrefix}meter.${meterId}`;
    await codec.register(topic, 'meter-record');
    const encode = await codec.encoderFor(topic);
    const stored = storedChanges(warehouse);
    let offset = 0;
    const write = async (records: readonly MeterRecord[]) => {
      const buffer = new UsageBuffer(codec, () => type, MINUTE, stored);
      const messages = records.map((r) => ({ offset: String(offset++), value: encode(r) }) as unknown as KafkaMessage);
      for (const m of messages) expect((await buffer.add(m)).kind).toBe('buffered');
      const source = { topic, partition: 0, endOffset: String(offset) };
      for (const batch of await buffer.rows(source)) if (batch.rows.length > 0) await warehouse.insert(batch.table, batch.rows);
    };
    const record = (customer: string, id: number, timestamp: number, v: string | null, k: string | null, change: MeterRecord['change'], correction_id: string | null): MeterRecord => ({
      meter_id: meterId,
      event_id: `ev_${id}`,
      customer_id: customer,
      timestamp,
      value: v === null ? null : type === 'sum' || type === 'max' || type === 'last' ? v : null,
      unique_key: k === null ? null : type === 'unique_count' ? k : null,
      change,
      correction_id,
    });
    const read = async (customer: string, start: number, end: number, override?: RecordOverride) => {
      const built = periodUsageQuery([meterId], [customer], start, end, MINUTE, override);
      const [row] = await warehouse.query<PeriodUsageRow>(built.query, built.params);
      return normalizeDecimal(totalOf(type, row));
    };

    const cases = fc.sample(scenario, { numRuns: CASES, seed: RUN_SEED + AGGREGATION_TYPES.indexOf(type) });
    let changed = 0;
    for (const [i, c] of cases.entries()) {
      const customer = `case_${i}`;
      // The record set as the router sends it (a new record only for an event not sent before, a
      // correction only of an event sent), in two flushes so that corrections meet stored partials.
      const sent = new Map<number, number>();
      const current = new Map<number, Counted>();
      const records: MeterRecord[] = [];
      c.steps.forEach((s, n) => {
        if (s.op === 'new') {
          if (sent.has(s.id)) return;
          sent.set(s.id, T0 + s.offset);
          current.set(s.id, { timestamp: T0 + s.offset, value: s.value, key: s.key });
          records.push(record(customer, s.id, T0 + s.offset, s.value, s.key, null, null));
          return;
        }
        const timestamp = sent.get(s.id);
        if (timestamp === undefined) return;
        if (s.op === 'remove') {
          current.delete(s.id);
          records.push(record(customer, s.id, timestamp, null, null, 'remove', `cor_${n}`));
        } else {
          current.set(s.id, { timestamp, value: s.value, key: s.key });
          records.push(record(customer, s.id, timestamp, s.value, s.key, 'replace', `cor_${n}`));
        }
      });
      const half = Math.ceil(records.length / 2);
      await write(records.slice(0, half));
      if (records.length > half) await write(records.slice(half));

      // The previewed correction: of an event sent (at its time) or never sent (a removal of nothing; an
      // amend that makes it count, as the sink writes it).
      const timestamp = sent.get(c.target) ?? T0 + c.targetOffset;
      const after = new Map(current);
      if (c.amend) after.set(c.target, { timestamp, value: c.amend.value, key: c.amend.key });
      else after.delete(c.target);
      const correction = c.amend
        ? record(customer, c.target, timestamp, c.amend.value, c.amend.key, 'replace', 'cor_preview')
        : record(customer, c.target, timestamp, null, null, 'remove', 'cor_preview');
      const override: RecordOverride = {
        meterId,
        customerId: customer,
        eventId: `ev_${c.target}`,
        timestamp,
        after: c.amend ? { value: correction.value ?? '0', uniqueKey: correction.unique_key } : null,
      };
      const ranges: [number, number][] = [
        [T0, T0 + 4 * MINUTE],
        [T0 + c.range[0], T0 + c.range[0] + c.range[1]],
        [timestamp, timestamp + 1],
        [Math.floor(timestamp / MINUTE) * MINUTE + 1, Math.floor(timestamp / MINUTE) * MINUTE + MINUTE - 1],
      ];
      const label = (start: number, end: number) => `${type} ${customer} [${start - T0}, ${end - T0}) target ev_${c.target} ${c.amend ? 'amend' : 'void'} PROPERTY_SEED=${RUN_SEED}`;
      const inRange = (set: Map<number, Counted>, start: number, end: number) => [...set].filter(([, r]) => r.timestamp >= start && r.timestamp < end).map(([id, r]) => ({ id, ...r }));
      const previews: string[] = [];
      for (const [start, end] of ranges) {
        const now = await read(customer, start, end);
        expect({ label: label(start, end), now }).toEqual({ label: label(start, end), now: usageOracle(type, inRange(current, start, end)) });
        const preview = await read(customer, start, end, override);
        expect({ label: label(start, end), preview }).toEqual({ label: label(start, end), preview: usageOracle(type, inRange(after, start, end)) });
        if (preview !== now) changed++;
        previews.push(preview);
      }
      // The single-pair query (what the gateway's UsageReader runs) agrees.
      const built = usageTotalQuery({ meterId, aggregation: type, customerId: customer, start: ranges[1][0], end: ranges[1][1], windowMs: MINUTE, override });
      const [row] = await warehouse.query<{ total: string; records: string }>(built.query, built.params);
      expect({ label: label(...ranges[1]), total: row!.records === '0' ? '0' : normalizeDecimal(row!.total) }).toEqual({ label: label(...ranges[1]), total: previews[1] });

      // Applied for real: the stored usage becomes what the preview said.
      await write([correction]);
      for (const [n, [start, end]] of ranges.entries()) expect({ label: label(start, end), applied: await read(customer, start, end) }).toEqual({ label: label(start, end), applied: previews[n] });
    }
    // The previews changed usage often enough to mean something.
    expect(changed).toBeGreaterThan(CASES / 4);
  });
});
