import type { AggregationType, Meter } from '../model/meter';
import type { MetadataValue, UsageEvent } from '../model/usage-event';
import { extractMeterRecord, type Extraction } from './record-extractor';

const meter = (type: AggregationType, key?: string): Meter => ({
  id: `m_${type}`,
  name: `${type} meter`,
  event_name: 'api.call',
  aggregation: key === undefined ? { type } : { type, key },
  measurement_unit: 'calls',
  archived: false,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
});

const event = (metadata: Record<string, MetadataValue> = {}): UsageEvent => ({
  event_id: 'evt_1',
  customer_id: 'cus_1',
  event_name: 'api.call',
  timestamp: Date.UTC(2026, 0, 15, 10, 30),
  metadata,
  ingested_at: Date.UTC(2026, 0, 15, 10, 30, 1),
});

function recordOf(result: Extraction) {
  if (!result.ok) throw new Error(`expected a record, got ${result.code}: ${result.reason}`);
  return result.record;
}

function codeOf(result: Extraction): string {
  if (result.ok) throw new Error(`expected a rejection, got a record with value ${String(result.record.value)}`);
  return result.code;
}

describe('count', () => {
  it('needs nothing from the metadata and carries neither value nor key', () => {
    expect(recordOf(extractMeterRecord(meter('count'), event()))).toEqual({
      meter_id: 'm_count',
      event_id: 'evt_1',
      customer_id: 'cus_1',
      timestamp: Date.UTC(2026, 0, 15, 10, 30),
      value: null,
      unique_key: null,
    });
  });

  it('ignores a key even when it is present and not numeric', () => {
    const record = recordOf(extractMeterRecord(meter('count', 'bytes'), event({ bytes: 'abc' })));
    expect(record.value).toBeNull();
    expect(record.unique_key).toBeNull();
  });
});

describe.each(['sum', 'max', 'last'] as const)('%s', (type) => {
  const m = meter(type, 'bytes');

  it("takes a numeric string '150'", () => {
    const record = recordOf(extractMeterRecord(m, event({ bytes: '150' })));
    expect(record.value).toBe('150');
    expect(record.unique_key).toBeNull();
    expect(record.meter_id).toBe(`m_${type}`);
    expect(record.event_id).toBe('evt_1');
    expect(record.customer_id).toBe('cus_1');
    expect(record.timestamp).toBe(Date.UTC(2026, 0, 15, 10, 30));
  });

  it("takes a JSON number carried as { decimal: '0.25' }", () => {
    expect(recordOf(extractMeterRecord(m, event({ bytes: { decimal: '0.25' } }))).value).toBe('0.25');
  });

  it('normalizes the decimal text (trailing zeros, surrounding spaces, exponent)', () => {
    expect(recordOf(extractMeterRecord(m, event({ bytes: '  12.500 ' }))).value).toBe('12.5');
    expect(recordOf(extractMeterRecord(m, event({ bytes: '1e3' }))).value).toBe('1000');
    expect(recordOf(extractMeterRecord(m, event({ bytes: '-0.75' }))).value).toBe('-0.75');
  });

  it('accepts the widest storable decimal: 26 integer and 12 fraction digits', () => {
    const widest = `${'9'.repeat(26)}.${'9'.repeat(12)}`;
    expect(recordOf(extractMeterRecord(m, event({ bytes: widest }))).value).toBe(widest);
  });

  it('rejects an event without the key with METER_KEY_MISSING', () => {
    const result = extractMeterRecord(m, event({ other: '1' }));
    expect(codeOf(result)).toBe('METER_KEY_MISSING');
    expect(!result.ok && result.reason).toContain('metadata.bytes');
  });

  it('rejects a boolean with METER_VALUE_NOT_NUMERIC', () => {
    expect(codeOf(extractMeterRecord(m, event({ bytes: true })))).toBe('METER_VALUE_NOT_NUMERIC');
    expect(codeOf(extractMeterRecord(m, event({ bytes: false })))).toBe('METER_VALUE_NOT_NUMERIC');
  });

  it("rejects a non-numeric string 'abc' with METER_VALUE_NOT_NUMERIC", () => {
    const result = extractMeterRecord(m, event({ bytes: 'abc' }));
    expect(codeOf(result)).toBe('METER_VALUE_NOT_NUMERIC');
    expect(!result.ok && result.reason).toContain('"abc"');
  });

  it('rejects an empty string and a string with a unit suffix', () => {
    expect(codeOf(extractMeterRecord(m, event({ bytes: '' })))).toBe('METER_VALUE_NOT_NUMERIC');
    expect(codeOf(extractMeterRecord(m, event({ bytes: '150ms' })))).toBe('METER_VALUE_NOT_NUMERIC');
  });

  it('rejects more than 12 fraction digits with METER_VALUE_OUT_OF_RANGE', () => {
    expect(codeOf(extractMeterRecord(m, event({ bytes: '0.1234567890123' })))).toBe('METER_VALUE_OUT_OF_RANGE');
    expect(codeOf(extractMeterRecord(m, event({ bytes: { decimal: '1.0000000000001' } })))).toBe('METER_VALUE_OUT_OF_RANGE');
  });

  it('rejects more than 26 integer digits with METER_VALUE_OUT_OF_RANGE', () => {
    expect(codeOf(extractMeterRecord(m, event({ bytes: '1'.repeat(27) })))).toBe('METER_VALUE_OUT_OF_RANGE');
    expect(codeOf(extractMeterRecord(m, event({ bytes: '1e26' })))).toBe('METER_VALUE_OUT_OF_RANGE');
  });

  it('decides a huge exponent without expanding it (the old reading built the digits first)', () => {
    // Expanding 1e999999999 would need a string longer than V8 allows (2^29 characters): it would throw.
    expect(codeOf(extractMeterRecord(m, event({ bytes: '1e999999999' })))).toBe('METER_VALUE_OUT_OF_RANGE');
    expect(codeOf(extractMeterRecord(m, event({ bytes: '1e-999999999' })))).toBe('METER_VALUE_OUT_OF_RANGE');
    expect(codeOf(extractMeterRecord(m, event({ bytes: { decimal: '5e99999999999999999999' } })))).toBe('METER_VALUE_OUT_OF_RANGE');
    expect(recordOf(extractMeterRecord(m, event({ bytes: '0e999999999' }))).value).toBe('0');
  });

  it('keeps every digit of a value a double cannot hold', () => {
    expect(recordOf(extractMeterRecord(m, event({ bytes: { decimal: '12345678901234567890.5' } }))).value).toBe('12345678901234567890.5');
  });
});

describe('unique_count', () => {
  const m = meter('unique_count', 'user');

  it('takes the text of a string value', () => {
    const record = recordOf(extractMeterRecord(m, event({ user: 'u_42' })));
    expect(record.unique_key).toBe('u_42');
    expect(record.value).toBeNull();
  });

  it("takes booleans as 'true' / 'false'", () => {
    expect(recordOf(extractMeterRecord(m, event({ user: true }))).unique_key).toBe('true');
    expect(recordOf(extractMeterRecord(m, event({ user: false }))).unique_key).toBe('false');
  });

  it('takes the text of a decimal', () => {
    expect(recordOf(extractMeterRecord(m, event({ user: { decimal: '0.25' } }))).unique_key).toBe('0.25');
  });

  it('does not need the value to be numeric', () => {
    expect(recordOf(extractMeterRecord(m, event({ user: 'not a number at all' }))).unique_key).toBe('not a number at all');
  });

  it('rejects an event without the key with METER_KEY_MISSING', () => {
    expect(codeOf(extractMeterRecord(m, event({ other: 'x' })))).toBe('METER_KEY_MISSING');
  });
});
