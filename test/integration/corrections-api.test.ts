import { Kafka, logLevel, type Admin } from 'kafkajs';
import { toClickHouseTime, type UsageEvent } from '@meterstream/domain';
import { eventually, getJson, postJson, startTestPipeline } from '../support/pipeline';
import { readTopic } from '../support/topic-reader';

const DAY = 86_400_000;

// Usage corrections at the gateway and in the raw event sink (docs/corrections.md): POST
// /events/backfill, POST /events/{id}/void and /amend, GET /corrections and the history of GET
// /events/{id}, against real Kafka, the schema registry and embedded ClickHouse. Every refusal is
// checked to have produced nothing on `events`.
describe('corrections API', () => {
  let app: Awaited<ReturnType<typeof startTestPipeline>>;
  let admin: Admin;
  let eventsTopic: string;
  const now = Date.now();
  const at = (msAgo: number) => new Date(now - msAgo).toISOString();

  beforeAll(async () => {
    app = await startTestPipeline('corrections', { BACKFILL_MAX_AGE_DAYS: '10' });
    eventsTopic = `${app.config.kafka.topicPrefix}events`;
    admin = new Kafka({ clientId: 'corrections-test', brokers: app.config.kafka.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.disconnect();
    await app?.stop();
  });

  /** Records on `events` so far (the sum of its partitions' end offsets; the gateway's producer uses no transactions). */
  const recordsOnEvents = async () => (await admin.fetchTopicOffsets(eventsTopic)).reduce((sum, p) => sum + BigInt(p.high), 0n);
  const post = (path: string, body: unknown, key = app.adminKey) => postJson(`${app.url}${path}`, body, key);
  const get = (path: string) => getJson(`${app.url}${path}`, app.adminKey);
  /** POSTs, expects a refusal with this status and code, and that nothing reached `events`. */
  async function refused(path: string, body: unknown, status: number, code: string, key?: string) {
    const before = await recordsOnEvents();
    const res = await post(path, body, key);
    expect([path, res.status, res.body.code]).toEqual([path, status, code]);
    expect(await recordsOnEvents()).toBe(before);
    return res.body;
  }
  const stored = (eventId: string, customerId: string) =>
    eventually(async () => {
      const res = await get(`/events/${eventId}?customer_id=${customerId}`);
      return res.status === 200 ? res.body : undefined;
    }, 60000, `event ${eventId} stored`);

  const batch = [
    { event_id: 'bf-1', customer_id: 'cus_a', event_name: 'llm_completion', timestamp: at(3 * DAY), metadata: { tokens: 5, model: 'small' } },
    { event_id: 'bf-2', customer_id: 'cus_a', event_name: 'llm_completion', timestamp: at(9 * DAY), metadata: { tokens: '2.5' } },
  ];
  let backfillId = '';

  it('backfills events up to BACKFILL_MAX_AGE_DAYS with a deterministic batch id, admin keys only', async () => {
    const before = await recordsOnEvents();
    const first = await post('/events/backfill', { events: batch });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ ingested_count: 2, backfill_id: expect.stringMatching(/^bf_[0-9a-f]{24}$/) });
    backfillId = first.body.backfill_id;
    expect(await recordsOnEvents()).toBe(before + 2n);

    // The same batch again (in another order): the same id, its events repeats that are not counted.
    const again = await post('/events/backfill', { events: [batch[1], batch[0]] });
    expect(again).toEqual({ status: 200, body: { ingested_count: 0, backfill_id: backfillId } });
    expect(await recordsOnEvents()).toBe(before + 2n);

    // A batch id of the client's own, on the events as produced, keyed by customer.
    const named = await post('/events/backfill', { events: [{ event_id: 'bf-3', customer_id: 'cus_b', event_name: 'api_request', timestamp: at(DAY), metadata: { user_id: 'u1' } }], backfill_id: 'import-2026-01' });
    expect(named).toEqual({ status: 200, body: { ingested_count: 1, backfill_id: 'import-2026-01' } });
    const records = await readTopic<UsageEvent>(app.config.kafka.brokers, app.config.registryUrl, eventsTopic, 3);
    expect(records.map((r) => [r.key, r.value.event_id, r.value.backfill_id, r.value.correction]).sort()).toEqual([
      ['cus_a', 'bf-1', backfillId, null],
      ['cus_a', 'bf-2', backfillId, null],
      ['cus_b', 'bf-3', 'import-2026-01', null],
    ]);
  });

  it('refuses a batch holding events older than the limit, naming them, and keeps ingest to its own age limit', async () => {
    const old = await refused(
      '/events/backfill',
      { events: [{ ...batch[0], event_id: 'bf-new' }, { ...batch[0], event_id: 'bf-old', timestamp: at(11 * DAY) }] },
      422,
      'EVENT_OLDER_THAN_BACKFILL_LIMIT',
    );
    expect(old.errors).toEqual([{ index: 1, field: 'timestamp', message: expect.stringContaining('10 days') }]);
    await refused('/events/backfill', { events: [{ ...batch[0], event_id: 'bf-bad-id' }], backfill_id: '' }, 422, 'VALIDATION_FAILED');
    await refused('/events/ingest', { events: [{ ...batch[0], event_id: 'ingest-old' }] }, 422, 'VALIDATION_FAILED');
    const ingestKey = (await post('/api-keys', { name: 'ingest only', scopes: ['ingest'] })).body.token as string;
    await refused('/events/backfill', { events: [{ ...batch[0], event_id: 'bf-ingest-key' }] }, 403, 'FORBIDDEN', ingestKey);
    await refused('/events/bf-1/void', { customer_id: 'cus_a', correction_id: 'cor-ingest-key' }, 403, 'FORBIDDEN', ingestKey);
  });

  it('refuses corrections of unknown, foreign, too old and voided events, conflicting ids and bad metadata; producing nothing', async () => {
    await stored('bf-1', 'cus_a');
    await stored('bf-2', 'cus_a');
    await refused('/events/no-such-event/void', { customer_id: 'cus_a', correction_id: 'cor-0' }, 404, 'EVENT_NOT_FOUND');
    await refused('/events/bf-1/void', { customer_id: 'cus_b', correction_id: 'cor-0' }, 422, 'EVENT_OF_ANOTHER_CUSTOMER');
    // An event stored long ago (older than the limit now): written as the raw event sink writes events.
    await app.warehouse.insert('events', [
      {
        event_id: 'ancient',
        customer_id: 'cus_a',
        event_name: 'llm_completion',
        timestamp: toClickHouseTime(now - 20 * DAY),
        metadata: '{"tokens":1}',
        ingested_at: toClickHouseTime(now - 20 * DAY),
        source_topic: 'elsewhere',
        source_partition: 0,
        source_offset: 0,
      },
    ]);
    await refused('/events/ancient/amend', { customer_id: 'cus_a', correction_id: 'cor-0', metadata: { tokens: 2 } }, 422, 'EVENT_OLDER_THAN_BACKFILL_LIMIT');
    // mtr_tokens sums llm_completion tokens: an amend must give it a number, as ingest must.
    const notNumeric = await refused('/events/bf-2/amend', { customer_id: 'cus_a', correction_id: 'cor-0', metadata: { tokens: 'many' } }, 422, 'VALIDATION_FAILED');
    expect(notNumeric.errors).toEqual([{ field: 'metadata.tokens', message: expect.stringContaining('mtr_tokens') }]);
    await refused('/events/bf-2/amend', { customer_id: 'cus_a', correction_id: 'cor-0', metadata: { tokens: 1 }, extra: true }, 422, 'VALIDATION_FAILED');

    // An amend, then the same id again: identical is a repeat (200, the same answer), different a conflict.
    const before = await recordsOnEvents();
    const amend = { customer_id: 'cus_a', correction_id: 'cor-amend-1', metadata: { tokens: 7, model: 'large' }, reason: 'recounted' };
    const first = await post('/events/bf-2/amend', amend);
    expect(first).toEqual({
      status: 200,
      body: { correction_id: 'cor-amend-1', kind: 'amend', event_id: 'bf-2', customer_id: 'cus_a', event_name: 'llm_completion', timestamp: batch[1].timestamp, requested_at: expect.any(String), status: 'accepted' },
    });
    expect(await recordsOnEvents()).toBe(before + 1n);
    expect(await post('/events/bf-2/amend', { ...amend, metadata: { model: 'large', tokens: 7.0 } })).toEqual(first);
    expect(await recordsOnEvents()).toBe(before + 1n);
    await refused('/events/bf-2/amend', { ...amend, metadata: { tokens: 8, model: 'large' } }, 409, 'CORRECTION_ID_CONFLICT');
    await refused('/events/bf-1/amend', amend, 409, 'CORRECTION_ID_CONFLICT');
    await refused('/events/bf-2/void', { customer_id: 'cus_a', correction_id: 'cor-amend-1', reason: 'recounted' }, 409, 'CORRECTION_ID_CONFLICT');

    // A void, and at once (before the audit trail has it) another void or an amend of the event.
    const voided = await post('/events/bf-1/void', { customer_id: 'cus_a', correction_id: 'cor-void-1', reason: 'test traffic' });
    expect(voided.status).toBe(200);
    expect(voided.body).toMatchObject({ correction_id: 'cor-void-1', kind: 'void', event_id: 'bf-1', status: 'accepted' });
    await refused('/events/bf-1/void', { customer_id: 'cus_a', correction_id: 'cor-void-2' }, 409, 'EVENT_VOIDED');
    await refused('/events/bf-1/amend', { customer_id: 'cus_a', correction_id: 'cor-amend-9', metadata: { tokens: 1 } }, 409, 'EVENT_VOIDED');
    expect(await post('/events/bf-1/void', { customer_id: 'cus_a', correction_id: 'cor-void-1', reason: 'test traffic' })).toEqual(voided);
    expect(await recordsOnEvents()).toBe(before + 2n);

    // Exactly one record per correction on `events`, in the event's partition (keyed by its customer).
    const total = Number(await recordsOnEvents());
    const records = await readTopic<UsageEvent>(app.config.kafka.brokers, app.config.registryUrl, eventsTopic, total);
    const corrections = records.filter((r) => r.value.correction);
    expect(corrections.map((r) => [r.key, r.value.event_id, r.value.correction!.correction_id, r.value.correction!.kind, r.value.correction!.requested_by])).toEqual([
      ['cus_a', 'bf-2', 'cor-amend-1', 'amend', 'key_bootstrap_admin'],
      ['cus_a', 'bf-1', 'cor-void-1', 'void', 'key_bootstrap_admin'],
    ]);
    const original = records.find((r) => r.value.event_id === 'bf-1' && !r.value.correction)!;
    expect(corrections[1].partition).toBe(original.partition);
    expect(corrections[1].value.metadata).toEqual({});
    expect(corrections[0].value.metadata).toEqual({ tokens: { decimal: '7' }, model: 'large' });

    // Once the audit trail has them: still EVENT_VOIDED and a repeat, from the stored rows.
    await eventually(async () => ((await get('/corrections?correction_id=cor-void-1')).body.items.length === 1 ? true : undefined), 60000, 'the void in the audit trail');
    await refused('/events/bf-1/amend', { customer_id: 'cus_a', correction_id: 'cor-amend-10', metadata: { tokens: 1 } }, 409, 'EVENT_VOIDED');
  });

  it('lists corrections with the metadata before and after, and shows an event with its status, metadata and history', async () => {
    // A second amend of bf-2 once the first is stored: its "before" is the first amend's "after".
    await eventually(async () => ((await get('/corrections?correction_id=cor-amend-1')).body.items.length === 1 ? true : undefined), 60000, 'the first amend stored');
    expect((await post('/events/bf-2/amend', { customer_id: 'cus_a', correction_id: 'cor-amend-2', metadata: { tokens: '7.25' } })).status).toBe(200);
    const items = await eventually(async () => {
      const res = await get('/corrections?customer_id=cus_a&page_size=100');
      return res.body.items.length === 5 ? res.body.items : undefined;
    }, 60000, 'five audit rows of cus_a');
    const row = (id: string, eventId: string) => items.find((i: { correction_id: string; event_id: string }) => i.correction_id === id && i.event_id === eventId);
    expect(row('cor-amend-2', 'bf-2')).toEqual({
      correction_id: 'cor-amend-2',
      kind: 'amend',
      customer_id: 'cus_a',
      event_id: 'bf-2',
      event_name: 'llm_completion',
      timestamp: batch[1].timestamp,
      before: { tokens: 7, model: 'large' },
      after: { tokens: '7.25' },
      requested_by: 'key_bootstrap_admin',
      reason: null,
      requested_at: expect.any(String),
    });
    expect(row('cor-amend-1', 'bf-2')).toMatchObject({ before: { tokens: '2.5' }, after: { tokens: 7, model: 'large' }, reason: 'recounted' });
    expect(row('cor-void-1', 'bf-1')).toMatchObject({ kind: 'void', before: { tokens: 5, model: 'small' }, after: null, reason: 'test traffic' });
    expect(row(backfillId, 'bf-1')).toMatchObject({ kind: 'backfill', before: null, after: { tokens: 5, model: 'small' }, requested_by: null });
    expect(row(backfillId, 'bf-2')).toMatchObject({ kind: 'backfill', before: null, after: { tokens: '2.5' } });
    // Newest first: the second amend was requested last.
    expect(items[0].correction_id).toBe('cor-amend-2');
    // One audit row per correction, whatever was re-sent.
    expect((await get('/corrections?correction_id=cor-amend-1')).body.items).toHaveLength(1);
    expect((await get('/corrections?kind=void&customer_id=cus_a')).body.items.map((i: { correction_id: string }) => i.correction_id)).toEqual(['cor-void-1']);
    expect((await get('/corrections?event_id=bf-2&page_size=1&page_number=1')).body.items.map((i: { correction_id: string }) => i.correction_id)).toEqual(['cor-amend-1']);
    expect((await get('/corrections?kind=delete')).status).toBe(422);

    const amended = await get('/events/bf-2');
    expect(amended.status).toBe(200);
    expect(amended.body).toMatchObject({
      business_id: expect.any(String),
      customer_id: 'cus_a',
      event_id: 'bf-2',
      event_name: 'llm_completion',
      timestamp: batch[1].timestamp,
      metadata: { tokens: '7.25' },
      original_metadata: { tokens: '2.5' },
      status: 'active',
    });
    expect(amended.body.history.map((h: { correction_id: string; kind: string; metadata: unknown }) => [h.correction_id, h.kind, h.metadata])).toEqual([
      [backfillId, 'backfill', { tokens: '2.5' }],
      ['cor-amend-1', 'amend', { tokens: 7, model: 'large' }],
      ['cor-amend-2', 'amend', { tokens: '7.25' }],
    ]);
    const voided = (await get('/events/bf-1')).body;
    expect([voided.status, voided.metadata, voided.original_metadata]).toEqual(['voided', { tokens: 5, model: 'small' }, undefined]);
    expect(voided.history.map((h: { kind: string; reason: string | null; requested_by: string | null }) => [h.kind, h.reason, h.requested_by])).toEqual([
      ['backfill', null, null],
      ['void', 'test traffic', 'key_bootstrap_admin'],
    ]);
    // An event only backfilled: active, its metadata as sent, its batch in its history.
    expect((await get('/events/bf-3')).body).toMatchObject({ metadata: { user_id: 'u1' }, status: 'active', history: [expect.objectContaining({ kind: 'backfill', correction_id: 'import-2026-01' })] });
  });
});
