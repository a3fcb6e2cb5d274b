import fc from 'fast-check';
import { Decimal, decimalText, type AggregationType, type MeterRecord } from '@meterstream/domain';
import { WindowAccumulator, partialToRow, recordToRow, type PartialAggregate } from './window-accumulator';

const MINUTE = 60_000;
/** 2026-01-31T23:58:00.000Z, the start of a 1-minute window. */
const T0 = Date.UTC(2026, 0, 31, 23, 58, 0, 0);

const METERS: Record<string, AggregationType> = {
  m_count: 'count',
  m_sum: 'sum',
  m_max: 'max',
  m_last: 'last',
  m_uniq: 'unique_count',
};
const aggregationOf = (meterId: string): AggregationType | undefined => METERS[meterId];

let nextId = 0;
function rec(meterId: string, timestamp: number, fields: Partial<MeterRecord> = {}): MeterRecord {
  nextId += 1;
  return {
    meter_id: meterId,
    event_id: `ev_${String(nextId).padStart(6, '0')}`,
    customer_id: 'cus_1',
    timestamp,
    value: null,
    unique_key: null,
    ...fields,
  };
}

function accumulate(records: MeterRecord[], windowMs = MINUTE): PartialAggregate[] {
  const acc = new WindowAccumulator(aggregationOf, windowMs);
  for (const r of records) expect(acc.add(r)).toBe(true);
  return acc.drain();
}

function only(partials: PartialAggregate[]): PartialAggregate {
  expect(partials).toHaveLength(1);
  return partials[0]!;
}

describe('folding per aggregation', () => {
  it('count counts records and ignores values', () => {
    const p = only(accumulate([rec('m_count', T0), rec('m_count', T0 + 1), rec('m_count', T0 + 59_999)]));
    expect(decimalText(p.value)).toBe('3');
    expect(p.recordCount).toBe(3);
  });

  it('sum adds values', () => {
    const p = only(
      accumulate([
        rec('m_sum', T0, { value: '150' }),
        rec('m_sum', T0 + 10, { value: '-20.5' }),
        rec('m_sum', T0 + 20, { value: '0.25' }),
      ]),
    );
    expect(decimalText(p.value)).toBe('129.75');
    expect(p.recordCount).toBe(3);
  });

  it('max keeps the greatest value, whatever the order', () => {
    const p = only(
      accumulate([rec('m_max', T0, { value: '7' }), rec('m_max', T0 + 1, { value: '42.5' }), rec('m_max', T0 + 2, { value: '-3' })]),
    );
    expect(decimalText(p.value)).toBe('42.5');
  });

  it('max of only negative values is the least negative one, not 0', () => {
    const p = only(accumulate([rec('m_max', T0, { value: '-9' }), rec('m_max', T0 + 1, { value: '-2' })]));
    expect(decimalText(p.value)).toBe('-2');
  });

  it('unique_count gathers distinct keys and keeps value 0', () => {
    const p = only(
      accumulate([
        rec('m_uniq', T0, { unique_key: 'u1' }),
        rec('m_uniq', T0 + 1, { unique_key: 'u2' }),
        rec('m_uniq', T0 + 2, { unique_key: 'u1' }),
      ]),
    );
    expect([...p.uniqueKeys].sort()).toEqual(['u1', 'u2']);
    expect(decimalText(p.value)).toBe('0');
    expect(p.recordCount).toBe(3);
  });

  it('last takes the value of the latest timestamp even when it arrives first', () => {
    const p = only(
      accumulate([
        rec('m_last', T0 + 30_000, { value: '3', event_id: 'b' }),
        rec('m_last', T0 + 10_000, { value: '1', event_id: 'c' }),
        rec('m_last', T0 + 20_000, { value: '2', event_id: 'a' }),
      ]),
    );
    expect(decimalText(p.value)).toBe('3');
    expect(p.lastTimestamp).toBe(T0 + 30_000);
    expect(p.lastEventId).toBe('b');
  });

  it('last takes the latest timestamp when it arrives last', () => {
    const p = only(
      accumulate([rec('m_last', T0 + 1, { value: '1', event_id: 'z' }), rec('m_last', T0 + 2, { value: '2', event_id: 'a' })]),
    );
    expect(decimalText(p.value)).toBe('2');
    expect(p.lastEventId).toBe('a');
  });

  it('last breaks timestamp ties by the greater event_id, in either arrival order', () => {
    const a = rec('m_last', T0 + 5, { value: '10', event_id: 'evt_a' });
    const b = rec('m_last', T0 + 5, { value: '20', event_id: 'evt_b' });
    for (const order of [
      [a, b],
      [b, a],
    ]) {
      const p = only(accumulate(order));
      expect(decimalText(p.value)).toBe('20');
      expect(p.lastEventId).toBe('evt_b');
      expect(p.lastTimestamp).toBe(T0 + 5);
    }
  });

  it('tracks the latest (timestamp, event_id) for every aggregation type', () => {
    const p = only(
      accumulate([rec('m_sum', T0 + 9, { value: '1', event_id: 'x' }), rec('m_sum', T0 + 3, { value: '1', event_id: 'y' })]),
    );
    expect(p.lastTimestamp).toBe(T0 + 9);
    expect(p.lastEventId).toBe('x');
  });
});

describe('exact decimals', () => {
  it("summing '0.1' ten times gives exactly '1'", () => {
    const records = Array.from({ length: 10 }, (_, i) => rec('m_sum', T0 + i, { value: '0.1' }));
    expect(decimalText(only(accumulate(records)).value)).toBe('1');
  });

  it('summing a 26-digit-wide decimal twice is exact', () => {
    const records = [rec('m_sum', T0, { value: '12345678901234.123456789012' }), rec('m_sum', T0 + 1, { value: '12345678901234.123456789012' })];
    expect(decimalText(only(accumulate(records)).value)).toBe('24691357802468.246913578024');
  });

  it('max compares decimals exactly, not as doubles', () => {
    const records = [
      rec('m_max', T0, { value: '12345678901234567.000000000001' }),
      rec('m_max', T0 + 1, { value: '12345678901234567.000000000002' }),
      rec('m_max', T0 + 2, { value: '12345678901234567' }),
    ];
    expect(decimalText(only(accumulate(records)).value)).toBe('12345678901234567.000000000002');
  });
});

describe('windows', () => {
  it('puts records into the window that contains their timestamp', () => {
    const partials = accumulate([
      rec('m_count', T0 - 1),
      rec('m_count', T0),
      rec('m_count', T0 + MINUTE - 1),
      rec('m_count', T0 + MINUTE),
    ]);
    const byStart = new Map(partials.map((p) => [p.windowStart, p]));
    expect([...byStart.keys()].sort((x, y) => x - y)).toEqual([T0 - MINUTE, T0, T0 + MINUTE]);
    expect(byStart.get(T0 - MINUTE)!.recordCount).toBe(1);
    expect(byStart.get(T0)!.recordCount).toBe(2);
    expect(byStart.get(T0)!.windowEnd).toBe(T0 + MINUTE);
    expect(byStart.get(T0 + MINUTE)!.recordCount).toBe(1);
  });

  it('folds a late record into its own (earlier) window, not the current one', () => {
    const acc = new WindowAccumulator(aggregationOf, MINUTE);
    acc.add(rec('m_sum', T0 + 5 * MINUTE, { value: '5' }));
    acc.add(rec('m_sum', T0 + 5 * MINUTE + 1, { value: '6' }));
    acc.add(rec('m_sum', T0 + 30_000, { value: '100' }));
    const partials = acc.drain();
    expect(partials).toHaveLength(2);
    const late = partials.find((p) => p.windowStart === T0)!;
    const current = partials.find((p) => p.windowStart === T0 + 5 * MINUTE)!;
    expect(decimalText(late.value)).toBe('100');
    expect(decimalText(current.value)).toBe('11');
  });

  it('honours a window size other than one minute', () => {
    const hour = 60 * MINUTE;
    const hourStart = Date.UTC(2026, 0, 31, 23, 0, 0);
    const partials = accumulate([rec('m_count', hourStart + 1), rec('m_count', hourStart + 59 * MINUTE)], hour);
    const p = only(partials);
    expect(p.windowStart).toBe(hourStart);
    expect(p.windowEnd).toBe(hourStart + hour);
    expect(p.recordCount).toBe(2);
  });

  it('keeps meters and customers apart within one window', () => {
    const partials = accumulate([
      rec('m_count', T0, { customer_id: 'cus_a' }),
      rec('m_count', T0 + 1, { customer_id: 'cus_b' }),
      rec('m_count', T0 + 2, { customer_id: 'cus_a' }),
      rec('m_sum', T0 + 3, { customer_id: 'cus_a', value: '1' }),
    ]);
    expect(partials).toHaveLength(3);
    const a = partials.find((p) => p.meterId === 'm_count' && p.customerId === 'cus_a')!;
    const b = partials.find((p) => p.meterId === 'm_count' && p.customerId === 'cus_b')!;
    expect(a.recordCount).toBe(2);
    expect(b.recordCount).toBe(1);
  });
});

describe('accumulator lifecycle', () => {
  it('refuses a record of an unknown meter and does not count it', () => {
    const acc = new WindowAccumulator(aggregationOf, MINUTE);
    expect(acc.add(rec('m_unknown', T0))).toBe(false);
    expect(acc.size).toBe(0);
    expect(acc.drain()).toEqual([]);
  });

  it('drain returns the partials and empties the accumulator', () => {
    const acc = new WindowAccumulator(aggregationOf, MINUTE);
    acc.add(rec('m_count', T0));
    acc.add(rec('m_count', T0 + MINUTE));
    expect(acc.size).toBe(2);
    expect(acc.drain()).toHaveLength(2);
    expect(acc.size).toBe(0);
    expect(acc.drain()).toEqual([]);
    acc.add(rec('m_count', T0));
    const again = acc.drain();
    expect(again).toHaveLength(1);
    expect(again[0]!.recordCount).toBe(1);
  });
});

describe('partialToRow', () => {
  it('gives ClickHouse DateTime64 text, decimal text and the unique keys', () => {
    const acc = new WindowAccumulator(aggregationOf, MINUTE);
    acc.add(rec('m_uniq', T0 + 1234, { unique_key: 'k1', event_id: 'e1', customer_id: 'cus_9' }));
    acc.add(rec('m_uniq', T0 + 59_999, { unique_key: 'k2', event_id: 'e2', customer_id: 'cus_9' }));
    const row = partialToRow(only(acc.drain()), { topic: 'meter.m_uniq', partition: 2, endOffset: '41' });
    expect(row).toEqual({
      meter_id: 'm_uniq',
      customer_id: 'cus_9',
      window_start: '2026-01-31 23:58:00.000',
      window_end: '2026-01-31 23:59:00.000',
      record_count: 2,
      value: '0',
      last_timestamp: '2026-01-31 23:58:59.999',
      last_event_id: 'e2',
      unique_keys: expect.arrayContaining(['k1', 'k2']),
      source_topic: 'meter.m_uniq',
      source_partition: 2,
      source_end_offset: '41',
    });
    expect(row.unique_keys).toHaveLength(2);
  });

  it('writes the exact decimal value as plain text without exponent', () => {
    const row = partialToRow(
      only(accumulate([rec('m_sum', T0, { value: '0.000000000001' }), rec('m_sum', T0 + 1, { value: '100000000000000000000000' })])),
      { topic: 'meter.m_sum', partition: 0, endOffset: '2' },
    );
    expect(row.value).toBe('100000000000000000000000.000000000001');
    expect(row.window_end).toBe('2026-01-31 23:59:00.000');
  });
});

describe('recordToRow', () => {
  const source = { topic: 'meter.m_sum', partition: 1 };

  it('gives the meter_records row of a new record: value "0" when it carries none, not deleted, its offset', () => {
    expect(recordToRow(rec('m_count', T0 + 1234, { event_id: 'e1', unique_key: 'k' }), source, '17')).toEqual({
      meter_id: 'm_count',
      customer_id: 'cus_1',
      timestamp: '2026-01-31 23:58:01.234',
      event_id: 'e1',
      value: '0',
      unique_key: 'k',
      deleted: 0,
      correction_id: '',
      source_topic: 'meter.m_sum',
      source_partition: 1,
      source_offset: '17',
    });
  });

  it('marks a removal deleted and keeps the correction id of a change', () => {
    const removed = recordToRow(rec('m_sum', T0, { value: '2.5', change: 'remove', correction_id: 'cor_1' }), source, '18');
    expect([removed.value, removed.deleted, removed.correction_id]).toEqual(['2.5', 1, 'cor_1']);
    const replaced = recordToRow(rec('m_sum', T0, { value: '3', change: 'replace', correction_id: 'cor_2' }), source, '19');
    expect([replaced.value, replaced.deleted, replaced.correction_id]).toEqual(['3', 0, 'cor_2']);
  });
});

// ---------------------------------------------------------------------------------------------------
// Property: flush boundaries do not change totals, when partials are merged with the documented rules.

interface Normal {
  recordCount: number;
  value: string;
  lastTimestamp: number;
  lastEventId: string;
  uniqueKeys: string[];
  windowEnd: number;
}

const keyOf = (p: PartialAggregate) => `${p.meterId}|${p.customerId}|${p.windowStart}`;
const isLaterThan = (a: PartialAggregate, b: PartialAggregate) =>
  a.lastTimestamp > b.lastTimestamp || (a.lastTimestamp === b.lastTimestamp && a.lastEventId > b.lastEventId);

/** The merge rules ClickHouse applies to partials of one (meter, customer, window). */
function mergeInto(target: PartialAggregate, p: PartialAggregate): void {
  const type = METERS[p.meterId]!;
  const later = isLaterThan(p, target);
  if (type === 'count') target.value = new Decimal(target.recordCount + p.recordCount);
  else if (type === 'sum') target.value = target.value.plus(p.value);
  else if (type === 'max') target.value = Decimal.max(target.value, p.value);
  else if (type === 'last' && later) target.value = p.value;
  if (later) {
    target.lastTimestamp = p.lastTimestamp;
    target.lastEventId = p.lastEventId;
  }
  target.recordCount += p.recordCount;
  for (const k of p.uniqueKeys) target.uniqueKeys.add(k);
}

function mergeAll(batches: PartialAggregate[][]): Map<string, Normal> {
  const merged = new Map<string, PartialAggregate>();
  for (const batch of batches) {
    for (const p of batch) {
      const existing = merged.get(keyOf(p));
      if (existing) mergeInto(existing, p);
      else merged.set(keyOf(p), { ...p, uniqueKeys: new Set(p.uniqueKeys) });
    }
  }
  return normalize([...merged.values()]);
}

function normalize(partials: PartialAggregate[]): Map<string, Normal> {
  const out = new Map<string, Normal>();
  for (const p of partials) {
    expect(out.has(keyOf(p))).toBe(false);
    out.set(keyOf(p), {
      recordCount: p.recordCount,
      value: decimalText(p.value),
      lastTimestamp: p.lastTimestamp,
      lastEventId: p.lastEventId,
      uniqueKeys: [...p.uniqueKeys].sort(),
      windowEnd: p.windowEnd,
    });
  }
  return out;
}

/** Decimal text that the router could produce: up to 26 integer and 12 fraction digits, no '-0'. */
const decimalValue = fc
  .tuple(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.integer({ min: 0, max: 12 }))
  .map(([units, scale]) => decimalText(new Decimal(units.toString()).div(new Decimal(10).pow(scale))));

const recordArb = fc.record({
  meter_id: fc.constantFrom(...Object.keys(METERS)),
  customer_id: fc.constantFrom('cus_a', 'cus_b'),
  // A few windows, with many equal timestamps to exercise the (timestamp, event_id) tie-break.
  timestamp: fc
    .oneof(fc.integer({ min: -10, max: 3 * MINUTE + 10 }), fc.constantFrom(0, 1_000, MINUTE - 1, MINUTE, 2 * MINUTE + 5))
    .map((offset) => T0 + offset),
  value: decimalValue,
  unique_key: fc.constantFrom('u1', 'u2', 'u3', 'u4', 'GET', 'true'),
});

const recordsArb = fc
  .array(recordArb, { maxLength: 80 })
  .chain((rows) =>
    fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: rows.length, maxLength: rows.length }).map((ids) =>
      rows.map(
        (r, i): MeterRecord => ({
          meter_id: r.meter_id,
          event_id: ids[i]!,
          customer_id: r.customer_id,
          timestamp: r.timestamp,
          value: METERS[r.meter_id] === 'count' || METERS[r.meter_id] === 'unique_count' ? null : r.value,
          unique_key: METERS[r.meter_id] === 'unique_count' ? r.unique_key : null,
        }),
      ),
    ),
  );

describe('window merging property', () => {
  it('accumulating in drained chunks and merging equals accumulating everything at once', () => {
    fc.assert(
      fc.property(recordsArb, fc.array(fc.nat(), { maxLength: 10 }), (records, cutSeeds) => {
        const cuts = [...new Set(cutSeeds.map((c) => (records.length === 0 ? 0 : c % (records.length + 1))))].sort((a, b) => a - b);
        const bounds = [0, ...cuts, records.length];
        const acc = new WindowAccumulator(aggregationOf, MINUTE);
        const batches: PartialAggregate[][] = [];
        for (let i = 0; i + 1 < bounds.length; i += 1) {
          for (const r of records.slice(bounds[i], bounds[i + 1])) acc.add(r);
          batches.push(acc.drain());
        }
        const whole = normalize(accumulate(records));
        expect(mergeAll(batches)).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('the arrival order of records does not change any partial', () => {
    fc.assert(
      fc.property(
        recordsArb.chain((records) => fc.tuple(fc.constant(records), fc.shuffledSubarray(records, { minLength: records.length }))),
        ([records, shuffled]) => {
          expect(normalize(accumulate(shuffled))).toEqual(normalize(accumulate(records)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
