import { MeterstreamError } from '@meterstream/domain';
import { DEFAULT_INGEST_LIMITS, validateIngestBody } from './event-validator';

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
