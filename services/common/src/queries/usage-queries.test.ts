import { AGGREGATION_TYPES, type AggregationType } from '@meterstream/domain';
import { USAGE_WINDOWS, mergeExpression, periodUsageQuery, usageTotalQuery, usageWindowsQuery } from './usage-queries';

const START = Date.UTC(2026, 0, 1, 0, 0, 0, 0);
const END = Date.UTC(2026, 1, 1, 0, 0, 0, 0);

const scope = (overrides: Partial<Parameters<typeof usageTotalQuery>[0]> = {}) => ({
  meterId: 'api_calls',
  aggregation: 'sum' as AggregationType,
  customerId: "o'brien",
  start: START,
  end: END,
  windowMs: 60_000,
  ...overrides,
});

const PLACEHOLDERS = ['{meter_id:String}', '{customer_id:String}', "{start:DateTime64(3, 'UTC')}", "{end:DateTime64(3, 'UTC')}"];

describe('mergeExpression', () => {
  it.each([
    ['count', 'toString(sum(record_count))'],
    ['sum', 'toString(sum(value))'],
    ['max', 'toString(max(value))'],
    ['last', 'toString(argMax(value, (last_timestamp, last_event_id)))'],
    ['unique_count', 'toString(uniqExactArray(unique_keys))'],
  ] as const)('%s merges with %s', (type, expression) => {
    expect(mergeExpression(type)).toBe(expression);
  });

  it('has a distinct expression for every aggregation type', () => {
    const expressions = AGGREGATION_TYPES.map((t) => mergeExpression(t));
    expect(new Set(expressions).size).toBe(AGGREGATION_TYPES.length);
    for (const e of expressions) expect(e.startsWith('toString(')).toBe(true);
  });
});

describe('usageTotalQuery', () => {
  it('binds every value as a parameter and formats times as DateTime64 text', () => {
    const { query, params } = usageTotalQuery(scope());
    for (const placeholder of PLACEHOLDERS) expect(query).toContain(placeholder);
    expect(params).toEqual({
      meter_id: 'api_calls',
      customer_id: "o'brien",
      start: '2026-01-01 00:00:00.000',
      end: '2026-02-01 00:00:00.000',
      whole_start: '2026-01-01 00:00:00.000',
      whole_end: '2026-02-01 00:00:00.000',
      window_ms: 60_000,
    });
  });

  it('never splices parameter values into the SQL text', () => {
    const { query } = usageTotalQuery(scope({ meterId: 'meter_x1', customerId: "o'brien" }));
    expect(query).not.toContain('brien');
    expect(query).not.toContain('meter_x1');
    expect(query).not.toContain('2026');
    expect(query).not.toContain(String(START));
  });

  it('takes whole windows by window_start and the records of cut windows by timestamp, both half-open', () => {
    const { query, params } = usageTotalQuery(scope({ start: Date.UTC(2026, 0, 1, 17, 19, 15), end: Date.UTC(2026, 0, 1, 17, 22, 0, 1) }));
    expect(query).toMatch(/FROM meter_usage\s+WHERE [^)]*window_start >= \{whole_start:DateTime64\(3, 'UTC'\)\} AND window_start < \{whole_end:DateTime64\(3, 'UTC'\)\}/);
    expect(query).toMatch(/FROM meter_records FINAL/);
    expect(query).toContain("timestamp >= {start:DateTime64(3, 'UTC')} AND timestamp < {whole_start:DateTime64(3, 'UTC')}");
    expect(query).toContain("timestamp >= {whole_end:DateTime64(3, 'UTC')} AND timestamp < {end:DateTime64(3, 'UTC')}");
    expect(query).not.toMatch(/<= \{end/);
    expect(params).toMatchObject({
      start: '2026-01-01 17:19:15.000',
      whole_start: '2026-01-01 17:20:00.000',
      whole_end: '2026-01-01 17:22:00.000',
      end: '2026-01-01 17:22:00.001',
    });
  });

  it('uses the merge expression of the aggregation as total', () => {
    expect(usageTotalQuery(scope({ aggregation: 'unique_count' })).query).toContain('toString(uniqExactArray(unique_keys)) AS total');
    expect(usageTotalQuery(scope({ aggregation: 'max' })).query).toContain('toString(max(value)) AS total');
    expect(usageTotalQuery(scope({ aggregation: 'count' })).query).toContain('toString(sum(record_count)) AS records');
    expect(usageTotalQuery(scope()).query).toMatch(/FROM meter_usage\b/);
  });

  it('keeps milliseconds in the time parameters', () => {
    const { params } = usageTotalQuery(scope({ start: Date.UTC(2026, 0, 31, 23, 59, 59, 999), end: Date.UTC(2026, 1, 1, 0, 0, 0, 1) }));
    expect(params.start).toBe('2026-01-31 23:59:59.999');
    expect(params.end).toBe('2026-02-01 00:00:00.001');
  });
});

describe('usageWindowsQuery', () => {
  it.each([
    ['minute', 'INTERVAL 1 MINUTE'],
    ['hour', 'INTERVAL 1 HOUR'],
    ['day', 'INTERVAL 1 DAY'],
    ['month', 'INTERVAL 1 MONTH'],
  ] as const)('%s windows use %s', (window, interval) => {
    const { query } = usageWindowsQuery(scope(), window);
    expect(query).toContain(`toStartOfInterval(window_start, ${interval}, {tz:String})`);
    for (const other of USAGE_WINDOWS.filter((w) => w !== window)) {
      expect(query).not.toContain(`INTERVAL 1 ${other.toUpperCase()}`);
    }
  });

  it('groups and orders by bucket, oldest first', () => {
    const { query } = usageWindowsQuery(scope(), 'day');
    expect(query).toMatch(/GROUP BY bucket ORDER BY bucket(?! DESC)/);
    expect(query).toContain('toString(sum(value)) AS value');
  });

  it('binds the time zone, defaulting to UTC', () => {
    expect(usageWindowsQuery(scope(), 'day').params.tz).toBe('UTC');
    const { query, params } = usageWindowsQuery(scope(), 'day', "Europe/Paris'; DROP TABLE x");
    expect(params).toEqual({
      meter_id: 'api_calls',
      customer_id: "o'brien",
      start: '2026-01-01 00:00:00.000',
      end: '2026-02-01 00:00:00.000',
      whole_start: '2026-01-01 00:00:00.000',
      whole_end: '2026-02-01 00:00:00.000',
      window_ms: 60_000,
      tz: "Europe/Paris'; DROP TABLE x",
    });
    expect(query).not.toContain('Europe');
    expect(query).not.toContain('DROP');
    expect(query).not.toContain('brien');
    for (const placeholder of PLACEHOLDERS) expect(query).toContain(placeholder);
  });
});

describe('usage with a record override (POST /corrections/preview)', () => {
  const override = {
    meterId: 'meter_x1',
    customerId: "o'brien",
    eventId: "evt'; DROP TABLE meter_records --",
    timestamp: Date.UTC(2026, 0, 10, 12, 34, 56, 789),
    after: { value: '12345678901234.123456789012', uniqueKey: 'key_secret' },
  };

  it('binds every override value and splices none into the SQL', () => {
    for (const built of [usageTotalQuery(scope({ override })), periodUsageQuery(['meter_x1'], ["o'brien"], START, END, 60_000, override)]) {
      for (const text of ['meter_x1', 'brien', 'DROP', 'key_secret', '12345678901234', '2026', '12:34']) expect(built.query).not.toContain(text);
      expect(built.params).toMatchObject({
        o_meter_id: 'meter_x1',
        o_customer_id: "o'brien",
        o_event_id: override.eventId,
        o_timestamp: '2026-01-10 12:34:56.789',
        o_window_start: '2026-01-10 12:34:00.000',
        o_present: 1,
        o_value: '12345678901234.123456789012',
        o_unique_keys: ['key_secret'],
      });
    }
  });

  it("reads the record's window from its records, leaves the stored record out and adds the one after", () => {
    const { query } = periodUsageQuery(['m'], ['c'], START, END, 60_000, override);
    expect(query).toContain("AND NOT (meter_id = {o_meter_id:String} AND customer_id = {o_customer_id:String} AND window_start = {o_window_start:DateTime64(3, 'UTC')})");
    expect(query).toContain("OR (meter_id = {o_meter_id:String} AND customer_id = {o_customer_id:String} AND timestamp >= {o_window_start:DateTime64(3, 'UTC')}");
    expect(query).toContain("AND NOT (meter_id = {o_meter_id:String} AND customer_id = {o_customer_id:String} AND event_id = {o_event_id:String} AND timestamp = {o_timestamp:DateTime64(3, 'UTC')})");
    expect(query).toContain('{o_value:Decimal(76, 12)} AS value');
    expect(query).toMatch(/WHERE meter_id IN \{meter_ids:Array\(String\)\} AND customer_id IN \{customer_ids:Array\(String\)\} AND \{o_present:UInt8\} = 1/);
  });

  it('a removal adds no record (o_present 0) and no key', () => {
    expect(periodUsageQuery(['m'], ['c'], START, END, 60_000, { ...override, after: null }).params).toMatchObject({ o_present: 0, o_value: '0', o_unique_keys: [] });
    expect(usageTotalQuery(scope({ override: { ...override, after: { value: '3', uniqueKey: null } } })).params).toMatchObject({ o_present: 1, o_value: '3', o_unique_keys: [] });
  });

  it('without an override, the query is the plain one (no o_ parameter)', () => {
    const plain = periodUsageQuery(['m'], ['c'], START, END, 60_000);
    expect(plain.query).not.toContain('o_');
    expect(Object.keys(plain.params).filter((k) => k.startsWith('o_'))).toEqual([]);
    expect(usageTotalQuery(scope()).query).not.toContain('{o_');
  });
});
