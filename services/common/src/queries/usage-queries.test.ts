import { AGGREGATION_TYPES, type AggregationType } from '@meterstream/domain';
import { USAGE_WINDOWS, mergeExpression, usageTotalQuery, usageWindowsQuery } from './usage-queries';

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
