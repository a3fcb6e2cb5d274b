import type { Meter } from '../model/meter';
import { correctionKey, eventKey, type EventRef, type UsageEvent } from '../model/usage-event';
import { DLQ_CODES, isDlqCode } from './dlq-codes';
import { DedupWindow } from './dedup-window';
import { MeterIndex } from './meter-index';
import { decideRoute, type DecodedEvent, type RouteContext } from './route-decision';

const NOW = Date.UTC(2026, 0, 15, 12, 0);
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const meter = (id: string, aggregation: Meter['aggregation'], event_name = 'api.call'): Meter => ({
  id,
  name: id,
  event_name,
  aggregation,
  measurement_unit: 'units',
  archived: false,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
});

const event = (overrides: Partial<UsageEvent> = {}): UsageEvent => ({
  event_id: 'evt_1',
  customer_id: 'cus_1',
  event_name: 'api.call',
  timestamp: NOW - 5 * MINUTE,
  metadata: { tokens: { decimal: '12.5' } },
  ingested_at: NOW - 5 * MINUTE,
  ...overrides,
});

const ok = (value: UsageEvent): DecodedEvent => ({ ok: true, value });

/** A bare id stands for that id of cus_1 (the customer of event()). */
const ref = (id: string | EventRef): EventRef => (typeof id === 'string' ? { customer_id: 'cus_1', event_id: id } : id);

function context(meters: Meter[] = [], routed: (string | EventRef)[] = [], seen: (string | EventRef)[] = [], legacyIds: string[] = []): RouteContext {
  const window = new DedupWindow(120 * MINUTE);
  for (const id of seen) window.add(eventKey(ref(id)), NOW - MINUTE);
  for (const id of legacyIds) window.addLegacyId(id, NOW - MINUTE);
  const index = new MeterIndex(meters);
  return {
    window,
    routedInBatch: new Set(routed.map((id) => eventKey(ref(id)))),
    now: NOW,
    recordTime: NOW,
    backfillMaxAgeMs: 35 * DAY,
    matchingMeters: (e) => index.match(e),
    metersNamed: (name) => index.named(name),
  };
}

describe('decideRoute', () => {
  it('dead-letters bytes the codec could not decode as UNDECODABLE, with its reason', () => {
    expect(decideRoute({ ok: false, reason: 'unknown magic byte' }, context())).toEqual({ kind: 'dead-letter', code: 'UNDECODABLE', reason: 'unknown magic byte' });
  });

  it('dead-letters a decoded record without an event id as INVALID_EVENT', () => {
    expect(decideRoute(ok(event({ event_id: '' })), context())).toEqual({ kind: 'dead-letter', code: 'INVALID_EVENT', reason: 'event_id must be a non-empty string' });
  });

  it('drops an event whose id the partition window holds', () => {
    expect(decideRoute(ok(event()), context([meter('m_sum', { type: 'sum', key: 'tokens' })], [], ['evt_1']))).toEqual({ kind: 'repeat' });
  });

  it('routes the same event id under another customer: an event is (customer_id, event_id)', () => {
    const other = { customer_id: 'cus_2', event_id: 'evt_1' };
    expect(decideRoute(ok(event()), context([], [other], [other]))).toMatchObject({ kind: 'route' });
    expect(decideRoute(ok(event({ customer_id: 'cus_2' })), context([], [], [other]))).toEqual({ kind: 'repeat' });
    expect(decideRoute(ok(event({ customer_id: 'cus_2' })), context([], [other]))).toEqual({ kind: 'repeat' });
  });

  it('keeps the pair apart when a customer id ends the way another event id begins', () => {
    // "a:b" + "c" and "a" + "b:c" joined with a colon would be the same text.
    const seen = { customer_id: 'a:b', event_id: 'c' };
    expect(decideRoute(ok(event({ customer_id: 'a', event_id: 'b:c' })), context([], [], [seen]))).toMatchObject({ kind: 'route' });
  });

  it('drops an id written to the changelog before ids were per customer, whichever customer repeats it', () => {
    expect(decideRoute(ok(event({ customer_id: 'cus_9' })), context([], [], [], ['evt_1']))).toEqual({ kind: 'repeat' });
  });

  it('drops an event whose id was routed earlier in the same batch', () => {
    expect(decideRoute(ok(event()), context([], ['evt_1']))).toEqual({ kind: 'repeat' });
  });

  it('drops a repeat even when it is older than the window (repeat wins over age)', () => {
    expect(decideRoute(ok(event({ timestamp: NOW - 500 * MINUTE })), context([], ['evt_1']))).toEqual({ kind: 'repeat' });
  });

  it('routes an event older than the window as backfill records, remembered from its arrival', () => {
    const timestamp = NOW - 121 * MINUTE;
    const decision = decideRoute(ok(event({ timestamp, backfill_id: 'bf_1' })), context([meter('m_sum', { type: 'sum', key: 'tokens' })]));
    expect(decision).toMatchObject({ kind: 'route', key: eventKey(ref('evt_1')), rememberUntil: NOW });
    expect(decision.kind === 'route' && decision.records).toEqual([
      { meter_id: 'm_sum', event_id: 'evt_1', customer_id: 'cus_1', timestamp, value: '12.5', unique_key: null, change: 'backfill', correction_id: 'bf_1' },
    ]);
  });

  it('routes an event inside the window as plain records, remembered until its event time leaves the window', () => {
    const decision = decideRoute(ok(event()), context([meter('m_count', { type: 'count' })]));
    expect(decision).toMatchObject({ kind: 'route', rememberUntil: NOW - 5 * MINUTE });
    expect(decision.kind === 'route' && decision.records[0].change).toBeUndefined();
  });

  it('dead-letters an event more than the backfill limit before its record time as EVENT_OLDER_THAN_BACKFILL_LIMIT', () => {
    const timestamp = NOW - 35 * DAY - 1;
    expect(decideRoute(ok(event({ timestamp })), context())).toEqual({
      kind: 'dead-letter',
      code: 'EVENT_OLDER_THAN_BACKFILL_LIMIT',
      reason: `event time ${new Date(timestamp).toISOString()} is more than 35 days before the record time ${new Date(NOW).toISOString()} (BACKFILL_MAX_AGE_DAYS)`,
    });
    expect(decideRoute(ok(event({ timestamp: NOW - 35 * DAY })), context())).toMatchObject({ kind: 'route' });
  });

  it('removes a voided event from every meter of its name, whatever the filters', () => {
    const meters = [meter('m_sum', { type: 'sum', key: 'tokens' }), { ...meter('m_eu', { type: 'count' }), filter: { conjunction: 'and' as const, clauses: [{ key: 'region', operator: 'equals' as const, value: 'eu' }] } }, meter('m_other', { type: 'count' }, 'other')];
    const void1 = event({ metadata: {}, correction: { correction_id: 'cor_1', kind: 'void', requested_by: 'key_1', reason: null } });
    const decision = decideRoute(ok(void1), context(meters, [], ['evt_1']));
    expect(decision).toMatchObject({ kind: 'route', key: correctionKey('cus_1', 'cor_1'), rememberUntil: NOW });
    expect(decision.kind === 'route' && decision.records.map((r) => [r.meter_id, r.change, r.correction_id])).toEqual([
      ['m_sum', 'remove', 'cor_1'],
      ['m_eu', 'remove', 'cor_1'],
    ]);
  });

  it('replaces an amended event in the meters its new metadata matches and removes it from the others', () => {
    const meters = [meter('m_sum', { type: 'sum', key: 'tokens' }), { ...meter('m_eu', { type: 'count' }), filter: { conjunction: 'and' as const, clauses: [{ key: 'region', operator: 'equals' as const, value: 'eu' }] } }, meter('m_max', { type: 'max', key: 'size' })];
    const amend = event({ metadata: { tokens: { decimal: '3' }, region: 'us', size: 'big' }, correction: { correction_id: 'cor_2', kind: 'amend', requested_by: null, reason: 'typo' } });
    const decision = decideRoute(ok(amend), context(meters, [], ['evt_1']));
    expect(decision.kind === 'route' && decision.records.map((r) => [r.meter_id, r.change, r.value])).toEqual([
      ['m_sum', 'replace', '3'],
      ['m_eu', 'remove', null],
      ['m_max', 'remove', null],
    ]);
    expect(decision.kind === 'route' && decision.rejected.map((r) => r.code)).toEqual(['METER_VALUE_NOT_NUMERIC']);
  });

  it('drops a correction whose id the window holds, and routes the same id of another customer', () => {
    const amend = (customer_id: string) => event({ customer_id, correction: { correction_id: 'cor_3', kind: 'amend', requested_by: null, reason: null } });
    const window = context();
    (window.window as DedupWindow).add(correctionKey('cus_1', 'cor_3'), NOW);
    expect(decideRoute(ok(amend('cus_1')), window)).toEqual({ kind: 'repeat' });
    expect(decideRoute(ok(amend('cus_2')), window)).toMatchObject({ kind: 'route' });
  });

  it('dead-letters a correction with an unknown kind as INVALID_EVENT', () => {
    const bad = event({ correction: { correction_id: 'cor_4', kind: 'delete' as 'void', requested_by: null, reason: null } });
    expect(decideRoute(ok(bad), context())).toMatchObject({ kind: 'dead-letter', code: 'INVALID_EVENT' });
  });

  it('routes an event no meter matches to no meter, and still counts its id', () => {
    expect(decideRoute(ok(event()), context([meter('m_other', { type: 'count' }, 'other.event')]))).toEqual({ kind: 'route', event: event(), key: eventKey(ref('evt_1')), rememberUntil: NOW - 5 * MINUTE, records: [], rejected: [] });
  });

  it('routes one record per matching meter', () => {
    const decision = decideRoute(ok(event()), context([meter('m_count', { type: 'count' }), meter('m_sum', { type: 'sum', key: 'tokens' })]));
    expect(decision.kind === 'route' && decision.records.map((r) => [r.meter_id, r.value])).toEqual([
      ['m_count', null],
      ['m_sum', '12.5'],
    ]);
    expect(decision.kind === 'route' && decision.rejected).toEqual([]);
  });

  it('routes the event to the meters that can use it and rejects it for the others, with their codes', () => {
    const meters = [
      meter('m_count', { type: 'count' }),
      meter('m_missing', { type: 'sum', key: 'bytes' }),
      meter('m_text', { type: 'max', key: 'region' }),
    ];
    const decision = decideRoute(ok(event({ metadata: { region: 'eu' } })), context(meters));
    expect(decision.kind).toBe('route');
    if (decision.kind !== 'route') return;
    expect(decision.records.map((r) => r.meter_id)).toEqual(['m_count']);
    expect(decision.rejected.map((r) => r.code)).toEqual(['METER_KEY_MISSING', 'METER_VALUE_NOT_NUMERIC']);
  });
});

describe('DLQ codes', () => {
  it('registers every code the decision can return, and no unknown one', () => {
    expect(Object.keys(DLQ_CODES).sort()).toEqual(['EVENT_OLDER_THAN_BACKFILL_LIMIT', 'EVENT_OUTSIDE_DEDUP_WINDOW', 'INVALID_EVENT', 'METER_KEY_MISSING', 'METER_VALUE_NOT_NUMERIC', 'METER_VALUE_OUT_OF_RANGE', 'UNDECODABLE', 'UNSTORABLE_RECORD']);
    expect(isDlqCode('METER_KEY_MISSING')).toBe(true);
    expect(isDlqCode('toString')).toBe(false);
  });
});
