import { MeterIndex, MeterstreamError, type Meter } from '@meterstream/domain';
import { DEFAULT_INGEST_LIMITS, validateIngestBody } from './event-validator';
import { parseJsonBody } from './json-body';

const NOW = Date.UTC(2026, 0, 15, 10, 30, 0);
const HOUR = 60 * 60 * 1000;
const MINUTE = 60 * 1000;

const iso = (ms: number) => new Date(ms).toISOString();

const ev = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  event_id: 'evt_1',
  customer_id: 'cus_1',
  event_name: 'api.call',
  ...overrides,
});

/** Runs the validator and returns the MeterstreamError it threw. */
function refusal(body: unknown, now = NOW): MeterstreamError {
  try {
    validateIngestBody(body, now);
  } catch (error) {
    expect(error).toBeInstanceOf(MeterstreamError);
    return error as MeterstreamError;
  }
  throw new Error('expected the body to be refused');
}

describe('happy path', () => {
  it('converts a valid event, numbers to exact decimal text', () => {
    const events = validateIngestBody(
      {
        events: [
          ev({
            timestamp: '2026-01-15T10:00:00Z',
            metadata: { bytes: 150, ratio: 0.1, big: 1e21, method: 'GET', cached: false, amount: '12.50' },
          }),
        ],
      },
      NOW,
    );
    expect(events).toEqual([
      {
        event_id: 'evt_1',
        customer_id: 'cus_1',
        event_name: 'api.call',
        timestamp: Date.UTC(2026, 0, 15, 10, 0, 0),
        metadata: {
          bytes: { decimal: '150' },
          ratio: { decimal: '0.1' },
          big: { decimal: '1000000000000000000000' },
          method: 'GET',
          cached: false,
          amount: '12.50',
        },
        ingested_at: NOW,
      },
    ]);
  });

  it('defaults the timestamp to now and metadata to {}', () => {
    const [event] = validateIngestBody({ events: [ev()] }, NOW);
    expect(event!.timestamp).toBe(NOW);
    expect(event!.metadata).toEqual({});
    expect(event!.ingested_at).toBe(NOW);
  });

  it('treats a null timestamp as absent', () => {
    expect(validateIngestBody({ events: [ev({ timestamp: null })] }, NOW)[0]!.timestamp).toBe(NOW);
  });

  it('parses ISO times with offsets and fractions', () => {
    const [a, b] = validateIngestBody(
      {
        events: [
          ev({ event_id: 'a', timestamp: '2026-01-15T11:00:00.250+01:00' }),
          ev({ event_id: 'b', timestamp: '2026-01-15T10:29:59.999Z' }),
        ],
      },
      NOW,
    );
    expect(a!.timestamp).toBe(Date.UTC(2026, 0, 15, 10, 0, 0, 250));
    expect(b!.timestamp).toBe(NOW - 1);
  });

  it('keeps the order of events and accepts exactly 1000', () => {
    const events = Array.from({ length: 1000 }, (_, i) => ev({ event_id: `evt_${i}` }));
    const out = validateIngestBody({ events }, NOW);
    expect(out).toHaveLength(1000);
    expect(out[0]!.event_id).toBe('evt_0');
    expect(out[999]!.event_id).toBe('evt_999');
  });
});

describe('batch size', () => {
  it('refuses 0 events', () => {
    const error = refusal({ events: [] });
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.status).toBe(422);
    expect(error.errors[0]!.field).toBe('events');
  });

  it('refuses 1001 events', () => {
    const events = Array.from({ length: 1001 }, (_, i) => ev({ event_id: `evt_${i}` }));
    const error = refusal({ events });
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.errors[0]!.message).toContain('1001');
  });

  it('refuses a body that is not an object with an events array', () => {
    for (const body of [null, [], 'events', { events: 'x' }, {}]) {
      const error = refusal(body);
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.errors).toEqual([expect.objectContaining({ field: 'events' })]);
    }
  });

  it('honours custom limits', () => {
    expect(() =>
      validateIngestBody({ events: [ev({ event_id: 'a' }), ev({ event_id: 'b' })] }, NOW, { ...DEFAULT_INGEST_LIMITS, maxEventsPerRequest: 1 }),
    ).toThrow(MeterstreamError);
  });
});

describe('required fields', () => {
  it.each(['event_id', 'customer_id', 'event_name'])('refuses a missing, empty or non-string %s', (field) => {
    for (const bad of [undefined, '', 42, null]) {
      const error = refusal({ events: [ev({ [field]: bad })] });
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.errors).toEqual([{ index: 0, field, message: expect.any(String) }]);
    }
  });

  it('refuses an id longer than 255 characters and accepts 255', () => {
    expect(refusal({ events: [ev({ customer_id: 'c'.repeat(256) })] }).errors[0]!.field).toBe('customer_id');
    expect(validateIngestBody({ events: [ev({ customer_id: 'c'.repeat(255) })] }, NOW)[0]!.customer_id).toHaveLength(255);
  });

  it('refuses an event that is not an object', () => {
    const error = refusal({ events: [ev(), 'nope'] });
    expect(error.errors).toEqual([{ index: 1, field: '', message: expect.any(String) }]);
  });
});

describe('duplicate event ids', () => {
  it('refuses a batch that repeats an event_id with DUPLICATE_EVENT_ID_IN_BATCH', () => {
    const error = refusal({ events: [ev({ event_id: 'x' }), ev({ event_id: 'y' }), ev({ event_id: 'x' })] });
    expect(error.code).toBe('DUPLICATE_EVENT_ID_IN_BATCH');
    expect(error.status).toBe(422);
    expect(error.errors).toEqual([{ index: 2, field: 'event_id', message: 'duplicate of events[0]' }]);
  });
});

describe('timestamps', () => {
  it('refuses an event older than one hour and accepts one exactly one hour old', () => {
    const error = refusal({ events: [ev({ timestamp: iso(NOW - HOUR - 1) })] });
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.errors).toEqual([{ index: 0, field: 'timestamp', message: expect.stringContaining('older') }]);
    expect(validateIngestBody({ events: [ev({ timestamp: iso(NOW - HOUR) })] }, NOW)[0]!.timestamp).toBe(NOW - HOUR);
  });

  it('refuses an event more than five minutes ahead and accepts exactly five minutes', () => {
    const error = refusal({ events: [ev({ timestamp: iso(NOW + 5 * MINUTE + 1) })] });
    expect(error.errors).toEqual([{ index: 0, field: 'timestamp', message: expect.stringContaining('future') }]);
    expect(validateIngestBody({ events: [ev({ timestamp: iso(NOW + 5 * MINUTE) })] }, NOW)[0]!.timestamp).toBe(NOW + 5 * MINUTE);
  });

  it('refuses a timestamp without a zone, a number, and garbage', () => {
    for (const bad of ['2026-01-15T10:00:00', NOW, 'yesterday', '2026-13-01T00:00:00Z']) {
      expect(refusal({ events: [ev({ timestamp: bad })] }).errors).toEqual([
        { index: 0, field: 'timestamp', message: expect.stringContaining('ISO 8601') },
      ]);
    }
  });

  it('refuses an impossible calendar date instead of rolling it over', () => {
    const now = Date.UTC(2026, 2, 2, 0, 10);
    const error = refusal({ events: [ev({ timestamp: '2026-02-30T00:00:00Z' })] }, now);
    expect(error.errors[0]!.field).toBe('timestamp');
    expect(validateIngestBody({ events: [ev({ timestamp: '2026-03-01T23:59:59Z' })] }, now)[0]!.timestamp).toBe(Date.UTC(2026, 2, 1, 23, 59, 59));
  });
});

describe('metadata', () => {
  const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));

  it('accepts 50 keys and refuses 51', () => {
    expect(Object.keys(validateIngestBody({ events: [ev({ metadata: keys(50) })] }, NOW)[0]!.metadata)).toHaveLength(50);
    const error = refusal({ events: [ev({ metadata: keys(51) })] });
    expect(error.errors).toEqual([{ index: 0, field: 'metadata', message: expect.stringContaining('51') }]);
  });

  it('accepts a 100-character key and refuses a 101-character one', () => {
    const ok = 'k'.repeat(100);
    const long = 'k'.repeat(101);
    expect(validateIngestBody({ events: [ev({ metadata: { [ok]: 'v' } })] }, NOW)[0]!.metadata[ok]).toBe('v');
    expect(refusal({ events: [ev({ metadata: { [long]: 'v' } })] }).errors).toEqual([
      { index: 0, field: `metadata.${long}`, message: expect.any(String) },
    ]);
  });

  it('refuses an empty key', () => {
    expect(refusal({ events: [ev({ metadata: { '': 'v' } })] }).errors[0]!.field).toBe('metadata.');
  });

  it('accepts a 500-character value and refuses a 501-character one', () => {
    expect(validateIngestBody({ events: [ev({ metadata: { note: 'x'.repeat(500) } })] }, NOW)[0]!.metadata.note).toHaveLength(500);
    expect(refusal({ events: [ev({ metadata: { note: 'x'.repeat(501) } })] }).errors).toEqual([
      { index: 0, field: 'metadata.note', message: expect.any(String) },
    ]);
  });

  it('refuses nested objects, arrays, null and non-finite numbers', () => {
    for (const bad of [{ a: 1 }, [1, 2], null, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(refusal({ events: [ev({ metadata: { nested: bad } })] }).errors).toEqual([
        { index: 0, field: 'metadata.nested', message: expect.any(String) },
      ]);
    }
  });

  it('refuses metadata that is not an object', () => {
    for (const bad of ['x', [1], 3]) {
      expect(refusal({ events: [ev({ metadata: bad })] }).errors[0]!.field).toBe('metadata');
    }
  });
});

describe('a batch with one bad event', () => {
  it("refuses the whole batch and reports that event's index and field", () => {
    const error = refusal({
      events: [ev({ event_id: 'a' }), ev({ event_id: 'b', metadata: { tags: ['x'] } }), ev({ event_id: 'c' })],
    });
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.status).toBe(422);
    expect(error.retryable).toBe(false);
    expect(error.errors).toEqual([{ index: 1, field: 'metadata.tags', message: expect.any(String) }]);
    expect(error.toJSON()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ index: 1, field: 'metadata.tags' }] });
  });

  it('reports every problem across events', () => {
    const error = refusal({
      events: [ev({ event_id: 'a', customer_id: '' }), ev({ event_id: 'b' }), ev({ event_id: 'c', timestamp: iso(NOW + HOUR) })],
    });
    expect(error.errors.map((e) => [e.index, e.field])).toEqual([
      [0, 'customer_id'],
      [2, 'timestamp'],
    ]);
  });
});

describe('one event is (customer_id, event_id)', () => {
  it('accepts the same event_id under two customers in one batch, and refuses the same pair twice', () => {
    const events = validateIngestBody({ events: [ev({ event_id: 'x', customer_id: 'a' }), ev({ event_id: 'x', customer_id: 'b' })] }, NOW);
    expect(events.map((e) => e.customer_id)).toEqual(['a', 'b']);
    const error = refusal({ events: [ev({ event_id: 'x', customer_id: 'a' }), ev({ event_id: 'x', customer_id: 'b' }), ev({ event_id: 'x', customer_id: 'a' })] });
    expect(error.code).toBe('DUPLICATE_EVENT_ID_IN_BATCH');
    expect(error.errors).toEqual([{ index: 2, field: 'event_id', message: 'duplicate of events[0]' }]);
  });
});

describe('text that is not valid Unicode', () => {
  // Each of these was accepted, and "sur_\ud800" and "sur_\udbff" then became the same id in UTF-8.
  it.each(['event_id', 'customer_id', 'event_name'])('refuses an unpaired surrogate in %s, naming index and field', (field) => {
    for (const bad of ['sur_\ud800', 'sur_\udbff', '\udc00x']) {
      expect(refusal({ events: [ev({ event_id: 'ok' }), ev({ [field]: bad })] }).errors).toEqual([{ index: 1, field, message: expect.stringContaining('surrogate') }]);
    }
  });

  it('refuses an unpaired surrogate in a metadata key or value, and accepts paired ones', () => {
    expect(refusal({ events: [ev({ metadata: { note: 'a\ud800' } })] }).errors).toEqual([{ index: 0, field: 'metadata.note', message: expect.stringContaining('surrogate') }]);
    expect(refusal({ events: [ev({ metadata: { 'k\udfff': 'v' } })] }).errors).toEqual([{ index: 0, field: 'metadata.k\udfff', message: expect.stringContaining('surrogate') }]);
    const [event] = validateIngestBody({ events: [ev({ event_id: 'evt_😀', metadata: { 'emoji_😀': '😀' } })] }, NOW);
    expect(event!.event_id).toBe('evt_😀');
    expect(event!.metadata).toEqual({ 'emoji_😀': '😀' });
  });
});

describe('numbers in metadata, from the exact body parser', () => {
  const exact = (json: string) => validateIngestBody(parseJsonBody(json, 'exact'), NOW);
  const body = (metadata: string) => `{"events":[{"event_id":"e","customer_id":"c","event_name":"api.call","metadata":${metadata}}]}`;

  it('keeps every digit of a number a double cannot hold (JSON.parse made 12345678901234567000 of it)', () => {
    const [event] = exact(body('{"tokens": 12345678901234567890.5, "small": 0.000000000001, "e": 1.5e3, "neg": -0}'));
    expect(event!.metadata).toEqual({
      tokens: { decimal: '12345678901234567890.5' },
      small: { decimal: '0.000000000001' },
      e: { decimal: '1500' },
      neg: { decimal: '0' },
    });
  });

  it('gives the same decimal text on the fast path (JSON.parse) as on the lossless path', () => {
    const metadata = '{"a": 150, "b": 0.1, "c": 1e21, "d": 2.5e-7, "e": -123456789012.345, "f": 25E-1}';
    const fast = exact(body(metadata))[0]!.metadata;
    // A 16-digit string elsewhere in the body sends it down the lossless path.
    const lossless = exact(body(metadata.replace('{', '{"pad": "1234567890123456", ')))[0]!.metadata;
    delete lossless.pad;
    expect(fast).toEqual(lossless);
    expect(fast.e).toEqual({ decimal: '-123456789012.345' });
  });

  it('refuses a JSON number outside the range of metered values with index and field', () => {
    for (const number of ['1e26', '123456789012345678901234567', '0.0000000000001', '1e400', '1e-400', '1.5e999999999']) {
      const error = refusal(parseJsonBody(`{"events":[${body('{"ok":1}').slice(11, -2)},{"event_id":"e2","customer_id":"c","event_name":"x","metadata":{"n":${number}}}]}`, 'exact'));
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.errors).toEqual([{ index: 1, field: 'metadata.n', message: expect.stringContaining('outside the range') }]);
    }
  });
});

describe('values a matching meter reads', () => {
  const meter = (id: string, aggregation: Meter['aggregation'], filter?: Meter['filter']): Meter => ({
    id,
    name: id,
    event_name: 'api.call',
    aggregation,
    ...(filter ? { filter } : {}),
    measurement_unit: 'u',
    archived: false,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
  });
  const index = new MeterIndex([
    meter('m_sum', { type: 'sum', key: 'tokens' }),
    meter('m_max', { type: 'max', key: 'tokens' }),
    meter('m_last', { type: 'last', key: 'level' }, { conjunction: 'and', clauses: [{ key: 'region', operator: 'equals', value: 'eu' }] }),
    meter('m_unique', { type: 'unique_count', key: 'user' }),
  ]);
  const check = (metadata: Record<string, unknown>, name = 'api.call') => validateIngestBody({ events: [ev({ event_id: 'ok' }), ev({ event_name: name, metadata })] }, NOW, DEFAULT_INGEST_LIMITS, index);
  const refused = (metadata: Record<string, unknown>) => {
    try {
      check(metadata);
    } catch (error) {
      return (error as MeterstreamError).errors;
    }
    throw new Error('expected a refusal');
  };

  it('refuses a string a sum or max meter reads when it is out of range or not a decimal, once per field', () => {
    expect(refused({ tokens: '1e26' })).toEqual([{ index: 1, field: 'metadata.tokens', message: expect.stringContaining('outside the range') }]);
    expect(refused({ tokens: '0.0000000000001' })).toEqual([{ index: 1, field: 'metadata.tokens', message: expect.stringContaining('outside the range') }]);
    expect(refused({ tokens: 'many' })).toEqual([{ index: 1, field: 'metadata.tokens', message: expect.stringContaining('not a decimal') }]);
    expect(refused({ tokens: true })).toEqual([{ index: 1, field: 'metadata.tokens', message: expect.any(String) }]);
  });

  it('accepts what the router accepts: decimal text in range, "1e3", a missing key, other event names', () => {
    expect(check({ tokens: '1e3' })[1]!.metadata.tokens).toBe('1e3');
    expect(check({ tokens: `${'9'.repeat(26)}.${'9'.repeat(12)}` })).toHaveLength(2);
    expect(check({ other: 'x' })).toHaveLength(2);
    expect(check({ tokens: 'many' }, 'other.event')).toHaveLength(2);
    expect(check({ tokens: '1', user: 'not a number' })).toHaveLength(2);
  });

  it("checks a filtered meter's key only when its filter passes", () => {
    expect(check({ region: 'us', level: 'high' })).toHaveLength(2);
    expect(refused({ region: 'eu', level: 'high' })).toEqual([{ index: 1, field: 'metadata.level', message: expect.stringContaining('m_last') }]);
  });
});
