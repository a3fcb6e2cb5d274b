import type { MeterRecord } from '../model/meter';
import type { UsageEvent } from '../model/usage-event';
import { isWellFormedText } from '../text';
import { STORABLE_TIME_MAX_MS, STORABLE_TIME_MIN_MS, isStorableTime, unstorableEvent, unstorableMeterRecord } from './storable-record';

const MINUTE = 60_000;
const record = (over: Partial<MeterRecord> = {}): MeterRecord => ({
  meter_id: 'mtr_tokens',
  event_id: 'ev-1',
  customer_id: 'cus_1',
  timestamp: Date.UTC(2026, 0, 1),
  value: '12.5',
  unique_key: null,
  ...over,
});
const event = (over: Partial<UsageEvent> = {}): UsageEvent => ({
  event_id: 'ev-1',
  customer_id: 'cus_1',
  event_name: 'api_request',
  timestamp: Date.UTC(2026, 0, 1),
  metadata: { tokens: { decimal: '3' }, method: 'GET', ok: true },
  ingested_at: Date.UTC(2026, 0, 1, 0, 0, 1),
  ...over,
});

describe('storable records', () => {
  it('bounds time to DateTime64(3): 1900-01-01 to 2299-12-31 23:59:59.999, whole milliseconds', () => {
    expect(STORABLE_TIME_MIN_MS).toBe(Date.UTC(1900, 0, 1));
    expect(STORABLE_TIME_MAX_MS).toBe(Date.UTC(2300, 0, 1) - 1);
    expect(isStorableTime(STORABLE_TIME_MIN_MS)).toBe(true);
    expect(isStorableTime(STORABLE_TIME_MIN_MS - 1)).toBe(false);
    expect(isStorableTime(STORABLE_TIME_MAX_MS)).toBe(true);
    expect(isStorableTime(STORABLE_TIME_MAX_MS + 1)).toBe(false);
    expect(isStorableTime(1.5)).toBe(false);
    expect(isStorableTime(Number.NaN)).toBe(false);
  });

  it('refuses lone surrogates and accepts paired ones', () => {
    expect(isWellFormedText('plain ✓ 😀')).toBe(true);
    expect(isWellFormedText('a\uD83D')).toBe(false);
    expect(isWellFormedText('\uDE00b')).toBe(false);
    expect(isWellFormedText(42)).toBe(false);
  });

  it('accepts an ordinary meter record, with or without a value', () => {
    expect(unstorableMeterRecord(record(), MINUTE)).toBeUndefined();
    expect(unstorableMeterRecord(record({ value: null, unique_key: 'u1' }), MINUTE)).toBeUndefined();
    expect(unstorableMeterRecord(record({ value: '-99999999999999999999999999.999999999999' }), MINUTE)).toBeUndefined();
  });

  it('refuses each kind of unstorable meter record with its reason', () => {
    expect(unstorableMeterRecord(record({ value: '1e30' }), MINUTE)).toMatch(/value "1e30" is not a storable decimal/);
    expect(unstorableMeterRecord(record({ value: '1.0000000000001' }), MINUTE)).toMatch(/not a storable decimal/);
    expect(unstorableMeterRecord(record({ value: '1'.repeat(27) }), MINUTE)).toMatch(/not a storable decimal/);
    expect(unstorableMeterRecord(record({ timestamp: Date.UTC(2400, 0, 1) }), MINUTE)).toMatch(/^timestamp .* outside ClickHouse DateTime64\(3\)/);
    expect(unstorableMeterRecord(record({ timestamp: Date.UTC(1899, 11, 31) }), MINUTE)).toMatch(/^timestamp/);
    // Inside the range, but its window ends after it: the partial's window_end would not fit.
    expect(unstorableMeterRecord(record({ timestamp: STORABLE_TIME_MAX_MS - 10 }), MINUTE)).toBeUndefined();
    expect(unstorableMeterRecord(record({ timestamp: STORABLE_TIME_MAX_MS - 10 }), 3600 * 1000)).toBeUndefined();
    expect(unstorableMeterRecord(record({ timestamp: STORABLE_TIME_MAX_MS - 10 }), 7 * 24 * 3600 * 1000)).toMatch(/^window end/);
    expect(unstorableMeterRecord(record({ customer_id: '' }), MINUTE)).toMatch(/customer_id/);
    expect(unstorableMeterRecord(record({ event_id: 'x\uD800' }), MINUTE)).toMatch(/event_id/);
    expect(unstorableMeterRecord(record({ unique_key: '\uDC00' }), MINUTE)).toMatch(/unique_key/);
  });

  it('accepts an ordinary event and refuses unstorable times and text', () => {
    expect(unstorableEvent(event())).toBeUndefined();
    expect(unstorableEvent(event({ timestamp: Date.UTC(2300, 0, 1) }))).toMatch(/^timestamp/);
    expect(unstorableEvent(event({ ingested_at: -1e15 }))).toMatch(/^ingested_at/);
    expect(unstorableEvent(event({ event_name: 'a\uD800b' }))).toMatch(/event_name/);
    expect(unstorableEvent(event({ metadata: { ['k\uD800']: 'v' } }))).toMatch(/metadata key/);
    expect(unstorableEvent(event({ metadata: { k: 'v\uDFFF' } }))).toMatch(/metadata "k"/);
    expect(unstorableEvent(event({ metadata: { k: { decimal: '\uD800' } } }))).toMatch(/metadata "k"/);
  });
});
