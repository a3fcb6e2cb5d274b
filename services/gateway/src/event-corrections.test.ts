import type { AuditRow, MeterIndex, PriorCorrection, UsageEvent } from '@meterstream/domain';
import { MeterIndex as Index, MeterstreamError, type Meter } from '@meterstream/domain';
import type { EventRow } from '@meterstream/common';
import { EventCorrections } from './event-corrections';
import { DEFAULT_INGEST_LIMITS } from './event-validator';
import { RecentCorrections } from './recent-corrections';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 15, 12);

const meter: Meter = {
  id: 'm_sum',
  name: 'm_sum',
  event_name: 'api.call',
  aggregation: { type: 'sum', key: 'tokens' },
  measurement_unit: 'u',
  archived: false,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};

/** The stores as plain arrays, a publisher that keeps what it was given, and the flow under test. */
function setup(options: { events?: EventRow[]; audit?: (AuditRow & { customer_id: string; event_id: string; event_name: string; timestamp: number })[]; publishFails?: boolean } = {}) {
  const events = options.events ?? [{ event_id: 'evt_1', customer_id: 'cus_1', event_name: 'api.call', timestamp: new Date(NOW - DAY).toISOString(), metadata: '{"tokens":1}' }];
  const audit = options.audit ?? [];
  const published: UsageEvent[] = [];
  const recent = new RecentCorrections();
  const flow = new EventCorrections({
    publisher: {
      publish: async (records) => {
        if (options.publishFails) throw new MeterstreamError('EVENT_BUS_UNAVAILABLE', 'down');
        published.push(...records);
      },
    },
    events: { withId: async (eventId, customerId) => events.filter((e) => e.event_id === eventId && (customerId === undefined || e.customer_id === customerId)).slice(0, 2) },
    corrections: {
      prior: async (customerId, correctionId): Promise<PriorCorrection | undefined> => {
        const row = audit.find((r) => r.customer_id === customerId && r.correction_id === correctionId);
        return row && { correction_id: row.correction_id, kind: row.kind, customer_id: row.customer_id, event_id: row.event_id, event_name: row.event_name, timestamp: row.timestamp, metadata: row.metadata, reason: row.reason || null, requested_at: Date.parse(row.requested_at) };
      },
      history: async (ref) => audit.filter((r) => r.customer_id === ref.customer_id && r.event_id === ref.event_id),
    },
    recent,
    meters: new Index([meter]) as Pick<MeterIndex, 'match'>,
    limits: DEFAULT_INGEST_LIMITS,
    backfillMaxAgeMs: 35 * DAY,
    clock: () => NOW,
  });
  return { flow, published, recent };
}

async function refused(promise: Promise<unknown>): Promise<MeterstreamError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof MeterstreamError)) throw new Error(`expected a MeterstreamError, got ${String(error)}`);
  return error;
}

const voidBody = { customer_id: 'cus_1', correction_id: 'cor_v' };
const amendBody = { customer_id: 'cus_1', correction_id: 'cor_a', metadata: { tokens: 4 }, reason: 'recount' };

describe('EventCorrections', () => {
  it('produces one record for a new correction and answers with it', async () => {
    const { flow, published } = setup();
    const answer = await flow.apply('amend', 'evt_1', amendBody, 'key_9');
    expect(answer).toEqual({
      correction_id: 'cor_a',
      kind: 'amend',
      event_id: 'evt_1',
      customer_id: 'cus_1',
      event_name: 'api.call',
      timestamp: new Date(NOW - DAY).toISOString(),
      requested_at: new Date(NOW).toISOString(),
      status: 'accepted',
    });
    expect(published).toEqual([
      {
        event_id: 'evt_1',
        customer_id: 'cus_1',
        event_name: 'api.call',
        timestamp: NOW - DAY,
        metadata: { tokens: { decimal: '4' } },
        ingested_at: NOW,
        backfill_id: null,
        correction: { correction_id: 'cor_a', kind: 'amend', requested_by: 'key_9', reason: 'recount' },
      },
    ]);
  });

  it('answers an identical re-send from memory without producing, and refuses the same id for another correction', async () => {
    const { flow, published } = setup();
    const first = await flow.apply('amend', 'evt_1', amendBody, 'key_9');
    expect(await flow.apply('amend', 'evt_1', { ...amendBody, metadata: { tokens: 4.0 } }, 'key_other')).toEqual(first);
    expect((await refused(flow.apply('amend', 'evt_1', { ...amendBody, metadata: { tokens: 5 } }, 'key_9'))).code).toBe('CORRECTION_ID_CONFLICT');
    expect((await refused(flow.apply('void', 'evt_1', { customer_id: 'cus_1', correction_id: 'cor_a', reason: 'recount' }, 'key_9'))).code).toBe('CORRECTION_ID_CONFLICT');
    expect(published).toHaveLength(1);
  });

  it('sees a void at once: another void or an amend of the event is EVENT_VOIDED, the same void a repeat', async () => {
    const { flow, published } = setup();
    const first = await flow.apply('void', 'evt_1', voidBody, 'key_9');
    expect(await flow.apply('void', 'evt_1', voidBody, 'key_9')).toEqual(first);
    expect((await refused(flow.apply('void', 'evt_1', { ...voidBody, correction_id: 'cor_v2' }, 'key_9'))).code).toBe('EVENT_VOIDED');
    expect((await refused(flow.apply('amend', 'evt_1', amendBody, 'key_9'))).code).toBe('EVENT_VOIDED');
    expect(published.map((p) => p.correction?.correction_id)).toEqual(['cor_v']);
  });

  it('decides on the audit trail when memory has nothing: a stored void, a stored correction id', async () => {
    const stored = { customer_id: 'cus_1', event_id: 'evt_1', event_name: 'api.call', timestamp: NOW - DAY, requested_by: 'key_1', reason: '', requested_at: new Date(NOW - 60_000).toISOString() };
    const { flow, published } = setup({ audit: [{ ...stored, correction_id: 'cor_old', kind: 'void', metadata: '', source_offset: '4' }] });
    expect(await flow.apply('void', 'evt_1', { customer_id: 'cus_1', correction_id: 'cor_old' }, 'key_9')).toMatchObject({ correction_id: 'cor_old', requested_at: stored.requested_at });
    expect((await refused(flow.apply('void', 'evt_1', { customer_id: 'cus_1', correction_id: 'cor_old', reason: 'other' }, 'key_9'))).code).toBe('CORRECTION_ID_CONFLICT');
    expect((await refused(flow.apply('amend', 'evt_1', amendBody, 'key_9'))).code).toBe('EVENT_VOIDED');
    expect(published).toEqual([]);
  });

  it('refuses an unknown event, an id of another customer, an event older than the limit, and values a meter cannot read; producing nothing', async () => {
    const { flow, published } = setup({
      events: [
        { event_id: 'evt_1', customer_id: 'cus_1', event_name: 'api.call', timestamp: new Date(NOW - DAY).toISOString(), metadata: '{}' },
        { event_id: 'evt_b', customer_id: 'cus_2', event_name: 'api.call', timestamp: new Date(NOW - DAY).toISOString(), metadata: '{}' },
        { event_id: 'evt_old', customer_id: 'cus_1', event_name: 'api.call', timestamp: new Date(NOW - 36 * DAY).toISOString(), metadata: '{}' },
      ],
    });
    const codes = [];
    codes.push((await refused(flow.apply('void', 'evt_missing', voidBody, 'k'))).code);
    codes.push((await refused(flow.apply('void', 'evt_b', voidBody, 'k'))).code);
    codes.push((await refused(flow.apply('void', 'evt_old', voidBody, 'k'))).code);
    const notNumeric = await refused(flow.apply('amend', 'evt_1', { ...amendBody, metadata: { tokens: 'many' } }, 'k'));
    codes.push(notNumeric.code);
    codes.push((await refused(flow.apply('amend', 'evt_1', { customer_id: 'cus_1' }, 'k'))).code);
    expect(codes).toEqual(['EVENT_NOT_FOUND', 'EVENT_OF_ANOTHER_CUSTOMER', 'EVENT_OLDER_THAN_BACKFILL_LIMIT', 'VALIDATION_FAILED', 'VALIDATION_FAILED']);
    expect(notNumeric.errors).toEqual([{ field: 'metadata.tokens', message: expect.stringContaining('m_sum') }]);
    expect(published).toEqual([]);
  });

  it('remembers nothing when Kafka did not acknowledge: the client may send the same correction again', async () => {
    const failing = setup({ publishFails: true });
    expect((await refused(failing.flow.apply('void', 'evt_1', voidBody, 'k'))).code).toBe('EVENT_BUS_UNAVAILABLE');
    expect([failing.recent.get('cus_1', 'cor_v'), failing.recent.isVoided({ customer_id: 'cus_1', event_id: 'evt_1' })]).toEqual([undefined, false]);
  });

  it('decides two racing requests of a customer one after the other: one record for the same correction sent twice at once', async () => {
    const { flow, published } = setup();
    const [a, b] = await Promise.all([flow.apply('void', 'evt_1', voidBody, 'k'), flow.apply('void', 'evt_1', voidBody, 'k')]);
    expect(b).toEqual(a);
    expect(published).toHaveLength(1);
  });
});
