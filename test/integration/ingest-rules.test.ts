import { authHeader, postJson, startTestPipeline } from '../support/pipeline';

// Every rule of POST /events/ingest over real HTTP, against the running pipeline, each with its status
// and code. The limits that are configurable are set here to other values than the defaults, so the
// test shows that the configuration is what applies. After every refusal, the refused batch's good
// events are sent alone and counted in full: nothing of a refused request was taken.
describe('POST /events/ingest: limits and rules over HTTP', () => {
  let app: Awaited<ReturnType<typeof startTestPipeline>>;
  const BODY_LIMIT = 256 * 1024;
  const MAX_AGE_S = 600;
  const MAX_SKEW_S = 60;
  let n = 0;
  const ev = (over: Record<string, unknown> = {}) => ({
    event_id: `rule-${Date.now().toString(36)}-${n++}`,
    customer_id: 'cus_rules',
    event_name: 'api_request',
    timestamp: new Date().toISOString(),
    metadata: { method: 'GET' },
    ...over,
  });
  const ingest = (body: unknown) => postJson(`${app.url}/events/ingest`, body, app.adminKey);
  const raw = async (body: string, contentType: string) => {
    const res = await fetch(`${app.url}/events/ingest`, { method: 'POST', headers: { 'content-type': contentType, ...authHeader(app.adminKey) }, body });
    return { status: res.status, body: await res.json() };
  };
  /** The good events of a refused batch are all new: sent alone, every one is counted. */
  const expectNothingTaken = async (good: Record<string, unknown>[]) => {
    const res = await ingest({ events: good });
    expect(res).toEqual({ status: 200, body: { ingested_count: good.length } });
  };

  beforeAll(async () => {
    app = await startTestPipeline('ingest-rules', {
      GATEWAY_BODY_LIMIT_BYTES: String(BODY_LIMIT),
      INGEST_MAX_EVENT_AGE_SECONDS: String(MAX_AGE_S),
      INGEST_MAX_FUTURE_SKEW_SECONDS: String(MAX_SKEW_S),
    });
  }, 120000);
  afterAll(async () => {
    await app?.stop();
  });

  it('400 INVALID_JSON for a body that is not JSON', async () => {
    const res = await raw('{"events": [', 'application/json');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'INVALID_JSON', retryable: false, message: expect.any(String) });
  });

  it('415 UNSUPPORTED_MEDIA_TYPE for a body that is not application/json', async () => {
    const res = await raw(JSON.stringify({ events: [ev()] }), 'text/plain');
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', retryable: false });
  });

  it('413 BODY_TOO_LARGE above GATEWAY_BODY_LIMIT_BYTES, and the same events in smaller requests are accepted', async () => {
    const note = 'x'.repeat(400);
    const events = Array.from({ length: 250 }, () => ev({ metadata: { a: note, b: note, c: note } }));
    expect(Buffer.byteLength(JSON.stringify({ events }))).toBeGreaterThan(BODY_LIMIT);
    const res = await ingest({ events });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 'BODY_TOO_LARGE', retryable: false });
    await expectNothingTaken(events.slice(0, 125));
    await expectNothingTaken(events.slice(125));
  });

  it('422 VALIDATION_FAILED for 0 and for 1001 events; 1000 are accepted', async () => {
    const none = await ingest({ events: [] });
    expect(none.status).toBe(422);
    expect(none.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'events' }] });
    const events = Array.from({ length: 1001 }, () => ev({ metadata: {} }));
    const tooMany = await ingest({ events });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'events' }] });
    await expectNothingTaken(events.slice(0, 1000));
  });

  it("one bad event refuses the batch with that event's index and field", async () => {
    const events = [ev(), ev(), ev({ customer_id: '' }), ev()];
    const res = await ingest({ events });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
    expect(res.body.errors).toEqual([{ index: 2, field: 'customer_id', message: expect.any(String) }]);
    await expectNothingTaken([events[0], events[1], events[3]]);
  });

  it('each required field, with its index and field', async () => {
    for (const field of ['event_id', 'customer_id', 'event_name']) {
      const bad = ev();
      delete (bad as Record<string, unknown>)[field];
      const res = await ingest({ events: [ev(), bad] });
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([{ index: 1, field, message: expect.any(String) }]);
    }
  });

  it('timestamps: older than INGEST_MAX_EVENT_AGE_SECONDS or further ahead than INGEST_MAX_FUTURE_SKEW_SECONDS are refused', async () => {
    const now = Date.now();
    const at = (ms: number) => new Date(ms).toISOString();
    const cases: [number, boolean][] = [
      [now - (MAX_AGE_S + 30) * 1000, false],
      [now - (MAX_AGE_S - 30) * 1000, true],
      [now + (MAX_SKEW_S + 30) * 1000, false],
      [now + (MAX_SKEW_S - 30) * 1000, true],
    ];
    for (const [time, accepted] of cases) {
      const res = await ingest({ events: [ev({ timestamp: at(time) })] });
      if (accepted) {
        expect(res).toEqual({ status: 200, body: { ingested_count: 1 } });
      } else {
        expect(res.status).toBe(422);
        expect(res.body.errors).toEqual([{ index: 0, field: 'timestamp', message: expect.any(String) }]);
      }
    }
    const noZone = await ingest({ events: [ev({ timestamp: '2026-11-24T10:00:00' })] });
    expect(noZone.status).toBe(422);
    expect(noZone.body.errors[0]).toMatchObject({ index: 0, field: 'timestamp' });
  });

  it('metadata: 50 keys, 100-character keys and 500-character values at most, flat values only', async () => {
    const keys = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, i]));
    const cases: [Record<string, unknown>, string | undefined][] = [
      [keys(50), undefined],
      [keys(51), 'metadata'],
      [{ ['k'.repeat(100)]: 1 }, undefined],
      [{ ['k'.repeat(101)]: 1 }, 'metadata'],
      [{ v: 'x'.repeat(500) }, undefined],
      [{ v: 'x'.repeat(501) }, 'metadata.v'],
      [{ nested: { a: 1 } }, 'metadata.nested'],
      [{ list: [1] }, 'metadata.list'],
      [{ nothing: null }, 'metadata.nothing'],
    ];
    for (const [metadata, field] of cases) {
      const res = await ingest({ events: [ev({ metadata })] });
      if (field === undefined) {
        expect(res).toEqual({ status: 200, body: { ingested_count: 1 } });
      } else {
        expect(res.status).toBe(422);
        expect(res.body.code).toBe('VALIDATION_FAILED');
        expect(res.body.errors[0]).toMatchObject({ index: 0, field: expect.stringContaining(field) });
      }
    }
  });

  it('422 DUPLICATE_EVENT_ID_IN_BATCH for an id twice in one request; an id seen before is not counted again', async () => {
    const a = ev();
    const b = ev();
    const dup = await ingest({ events: [a, b, { ...a }] });
    expect(dup.status).toBe(422);
    expect(dup.body).toMatchObject({ code: 'DUPLICATE_EVENT_ID_IN_BATCH', errors: [{ index: 2, field: 'event_id' }] });
    expect(await ingest({ events: [a, b] })).toEqual({ status: 200, body: { ingested_count: 2 } });
    const c = ev();
    expect(await ingest({ events: [a, c] })).toEqual({ status: 200, body: { ingested_count: 1 } });
  });
});
