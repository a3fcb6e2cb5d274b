import fs from 'node:fs';
import fc from 'fast-check';
import { WindowAccumulator, partialToRow, recordToRow } from '@meterstream/aggregator';
import { mergeExpression, openWarehouse, periodUsageQuery, totalOf, usageTotalQuery, type PeriodUsageRow, type Warehouse } from '@meterstream/common';
import { AGGREGATION_TYPES, type AggregationType, type MeterRecord } from '@meterstream/domain';
import { formatScaled, parseScaled } from '../support/exact-decimal';
import { testConfig } from '../support/pipeline';

// Each aggregation's rule lives in one file (services/domain/src/aggregations/) with two halves: the
// in-memory fold the aggregator applies to records, and the SQL that merges stored partials. This test
// runs random record sets through both, on the real engine: records are folded in random flushes (one
// partial row per window and flush, as the aggregator writes them), the rows are merged by the SQL, and
// every total must equal an independent BigInt computation over the records themselves. Then usage over
// random ranges [start, end) with millisecond boundaries inside windows (whole windows from the partials,
// cut windows from the stored records, some of them stored twice as after a crash) must equal the same
// computation over the records in the range.

const CASES_PER_AGGREGATION = 1000;
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 2, 1, 12, 0, 0, 0);

interface Case {
  records: MeterRecord[];
  /** Index of the flush each record goes into (flushes are applied in order). */
  flushOf: number[];
}

const decimalText = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.integer({ min: 0, max: 12 }))
  .map(([negative, digits, scale]) => formatScaled((negative ? -digits : digits) * 10n ** BigInt(12 - scale)));

function caseArbitrary(type: AggregationType, caseNo: number): fc.Arbitrary<Case> {
  const record = fc.record({
    // A few windows, with ties on the millisecond so that `last` must break them by event id.
    offset: fc.oneof(fc.integer({ min: 0, max: 4 * MINUTE - 1 }), fc.constantFrom(0, 1, MINUTE - 1, MINUTE, 2 * MINUTE)),
    id: fc.integer({ min: 0, max: 10_000 }),
    value: decimalText,
    key: fc.constantFrom('u1', 'u2', 'u3', 'u4', 'ü5', ''),
    flush: fc.integer({ min: 0, max: 3 }),
  });
  return fc.uniqueArray(record, { minLength: 1, maxLength: 25, selector: (r) => r.id }).map((rs) => ({
    records: rs.map((r) => ({
      meter_id: `m_${type}`,
      event_id: `ev_${r.id.toString(36)}`,
      customer_id: `case_${caseNo}`,
      timestamp: T0 + r.offset,
      value: type === 'sum' || type === 'max' || type === 'last' ? r.value : null,
      unique_key: type === 'unique_count' ? r.key : null,
    })),
    flushOf: rs.map((r) => r.flush),
  }));
}

/** The total, computed independently of the services' code: BigInt arithmetic over the records. */
function oracle(type: AggregationType, records: readonly MeterRecord[]): string {
  switch (type) {
    case 'count':
      return String(records.length);
    case 'sum':
      return formatScaled(records.reduce((acc, r) => acc + parseScaled(r.value!), 0n));
    case 'max':
      return formatScaled(records.map((r) => parseScaled(r.value!)).reduce((a, b) => (b > a ? b : a)));
    case 'last': {
      const latest = [...records].sort((a, b) => a.timestamp - b.timestamp || (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0));
      return formatScaled(parseScaled(latest[latest.length - 1]!.value!));
    }
    case 'unique_count':
      return String(new Set(records.map((r) => r.unique_key)).size);
  }
}

/** The records each flush stores one by one; a few stored twice, as when a crash repeats an insert. */
function recordRows(c: Case): Record<string, unknown>[] {
  const rows = c.records.map((r, i) => recordToRow(r, { topic: 'meter.property', partition: 0 }, String(i)));
  return [...rows, ...rows.filter((_, i) => i % 7 === 3)];
}

/** Folds a case's records flush by flush, as the aggregator does, into the rows it would store. */
function storedRows(type: AggregationType, c: Case): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  const flushes = Math.max(...c.flushOf) + 1;
  for (let flush = 0; flush < flushes; flush++) {
    const accumulator = new WindowAccumulator(() => type, MINUTE);
    c.records.forEach((r, i) => {
      if (c.flushOf[i] === flush) accumulator.add(r);
    });
    for (const partial of accumulator.drain()) {
      rows.push(partialToRow(partial, { topic: 'meter.property', partition: 0, endOffset: String(rows.length + 1) }));
    }
  }
  return rows;
}

describe('each aggregation: the fold and the SQL merge agree with an independent computation', () => {
  const config = testConfig('aggregations');
  let warehouse: Warehouse;

  beforeAll(async () => {
    warehouse = await openWarehouse(config);
  });
  afterAll(async () => {
    await warehouse?.close();
    fs.rmSync(config.clickhouse.dataDir, { recursive: true, force: true });
  });

  it.each(AGGREGATION_TYPES.map((t) => [t]))('%s: %#', async (type) => {
    const cases = Array.from({ length: CASES_PER_AGGREGATION }, (_, i) => fc.sample(caseArbitrary(type, i), { numRuns: 1, seed: seedOf(type, i) })[0]!);
    await warehouse.insert('meter_usage', cases.flatMap((c) => storedRows(type, c)));
    await warehouse.insert('meter_records', cases.flatMap((c) => recordRows(c)));

    const totals = await warehouse.query<{ customer_id: string; total: string }>(
      `SELECT customer_id, ${mergeExpression(type)} AS total FROM meter_usage WHERE meter_id = {meter_id:String} GROUP BY customer_id`,
      { meter_id: `m_${type}` },
    );
    const windows = await warehouse.query<{ customer_id: string; window_start: string; total: string }>(
      `SELECT customer_id, toString(toUnixTimestamp64Milli(window_start)) AS window_start, ${mergeExpression(type)} AS total
       FROM meter_usage WHERE meter_id = {meter_id:String} GROUP BY customer_id, window_start`,
      { meter_id: `m_${type}` },
    );
    expect(totals).toHaveLength(CASES_PER_AGGREGATION);

    const byCustomer = new Map(totals.map((t) => [t.customer_id, t.total]));
    const byWindow = new Map(windows.map((w) => [`${w.customer_id}/${w.window_start}`, w.total]));
    let windowsChecked = 0;
    cases.forEach((c, i) => {
      const customer = `case_${i} (PROPERTY_SEED=${RUN_SEED})`;
      expect({ customer, total: normalize(byCustomer.get(`case_${i}`)) }).toEqual({ customer, total: oracle(type, c.records) });
      const perWindow = new Map<number, MeterRecord[]>();
      for (const r of c.records) {
        const start = Math.floor(r.timestamp / MINUTE) * MINUTE;
        perWindow.set(start, [...(perWindow.get(start) ?? []), r]);
      }
      for (const [start, records] of perWindow) {
        expect({ customer, start, total: normalize(byWindow.get(`case_${i}/${start}`)) }).toEqual({ customer, start, total: oracle(type, records) });
        windowsChecked++;
      }
    });
    expect(windows).toHaveLength(windowsChecked);

    // Usage over ranges cut inside windows: billing's query (every customer at once), random ranges
    // whose ends fall on any millisecond, at window boundaries, and on records' own timestamps.
    const ranges = fc.sample(rangeArbitrary, { numRuns: RANGES_PER_AGGREGATION, seed: seedOf(type, -1) });
    for (const [start, end] of ranges) {
      const built = periodUsageQuery([`m_${type}`], cases.map((_, i) => `case_${i}`), start, end, MINUTE);
      const rows = await warehouse.query<PeriodUsageRow>(built.query, built.params);
      const byCase = new Map(rows.map((r) => [r.customer_id, r]));
      cases.forEach((c, i) => {
        const inRange = c.records.filter((r) => r.timestamp >= start && r.timestamp < end);
        const expected = inRange.length === 0 ? '0' : oracle(type, inRange);
        const got = normalize(totalOf(type, byCase.get(`case_${i}`)));
        expect({ customer: `case_${i} (PROPERTY_SEED=${RUN_SEED})`, start, end, total: got }).toEqual({ customer: `case_${i} (PROPERTY_SEED=${RUN_SEED})`, start, end, total: expected });
      });
    }
    // The single-pair query (GET /usage, usage history, previews) on a sample of cases.
    for (let i = 0; i < 50; i++) {
      const [start, end] = ranges[i % ranges.length]!;
      const built = usageTotalQuery({ meterId: `m_${type}`, aggregation: type, customerId: `case_${i}`, start, end, windowMs: MINUTE });
      const [row] = await warehouse.query<{ total: string; records: string }>(built.query, built.params);
      const inRange = cases[i]!.records.filter((r) => r.timestamp >= start && r.timestamp < end);
      expect({ i, start, end, total: row!.records === '0' ? '0' : normalize(row!.total) }).toEqual({ i, start, end, total: inRange.length === 0 ? '0' : oracle(type, inRange) });
    }
  });
});

const RANGES_PER_AGGREGATION = 20;

/** [start, end) around the cases' records: any millisecond, window boundaries, record timestamps. */
const instant = fc.oneof(
  fc.integer({ min: -MINUTE, max: 5 * MINUTE }),
  fc.constantFrom(0, 1, MINUTE - 1, MINUTE, MINUTE + 1, 2 * MINUTE, 4 * MINUTE),
);
const rangeArbitrary = fc.tuple(instant, instant).map(([a, b]) => [T0 + Math.min(a, b), T0 + Math.max(a, b) + (a === b ? 1 : 0)] as const);

/**
 * New random cases on every run; a failure names the run's seed (in `customer`), and
 * PROPERTY_SEED=<seed> runs the same cases again.
 */
const RUN_SEED = Number(process.env.PROPERTY_SEED ?? Date.now() % 2 ** 30);

function seedOf(type: AggregationType, caseNo: number): number {
  return RUN_SEED + AGGREGATION_TYPES.indexOf(type) * 1_000_003 + caseNo;
}

function normalize(text: string | undefined): string | undefined {
  return text === undefined ? undefined : formatScaled(parseScaled(text));
}
