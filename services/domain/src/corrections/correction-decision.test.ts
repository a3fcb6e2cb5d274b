import { MeterstreamError } from '../errors';
import { BACKFILL_ACCEPT_MARGIN_MS } from './backfill-age';
import { decideOnEvent, decideOnPrior, type CorrectionDecision, type CorrectionRequest, type PriorCorrection } from './correction-decision';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 15, 12);
const LIMIT = 35 * DAY;
const EVENT_TIME = NOW - 3 * DAY;

const request = (overrides: Partial<CorrectionRequest> = {}): CorrectionRequest => ({
  customer_id: 'cus_1',
  event_id: 'evt_1',
  correction_id: 'cor_1',
  kind: 'amend',
  metadata: { tokens: { decimal: '3' }, region: 'eu' },
  reason: 'typo',
  requested_by: 'key_1',
  ...overrides,
});

const prior = (overrides: Partial<PriorCorrection> = {}): PriorCorrection => ({
  correction_id: 'cor_1',
  kind: 'amend',
  customer_id: 'cus_1',
  event_id: 'evt_1',
  event_name: 'api.call',
  timestamp: EVENT_TIME,
  metadata: '{"region":"eu","tokens":3}',
  reason: 'typo',
  requested_at: NOW - 5000,
  ...overrides,
});

const code = (decision: CorrectionDecision) => (decision.kind === 'refuse' ? decision.error.code : decision.kind);

describe('a correction id used before (decideOnPrior)', () => {
  it('answers an identical re-send as the first time: same event, kind, metadata (in any key order) and reason', () => {
    expect(decideOnPrior(request(), prior())).toEqual({
      kind: 'repeat',
      answer: {
        correction_id: 'cor_1',
        kind: 'amend',
        event_id: 'evt_1',
        customer_id: 'cus_1',
        event_name: 'api.call',
        timestamp: new Date(EVENT_TIME).toISOString(),
        requested_at: new Date(NOW - 5000).toISOString(),
        status: 'accepted',
      },
    });
    // Whoever asks: the API key is not part of the correction.
    expect(code(decideOnPrior(request({ requested_by: 'key_2' }), prior()))).toBe('repeat');
    expect(code(decideOnPrior(request({ kind: 'void', metadata: {}, reason: null }), prior({ kind: 'void', metadata: '', reason: null })))).toBe('repeat');
    // A void's metadata is none, whatever a client sends.
    expect(code(decideOnPrior(request({ kind: 'void', metadata: { a: 'b' }, reason: null }), prior({ kind: 'void', metadata: '', reason: null })))).toBe('repeat');
  });

  it.each([
    ['another event', request({ event_id: 'evt_2' }), 'it corrected event evt_1'],
    ['another kind', request({ kind: 'void', metadata: {} }), 'it was an amend'],
    ['other metadata', request({ metadata: { tokens: { decimal: '3.5' }, region: 'eu' } }), 'it set other metadata'],
    ['a number where a string was', request({ metadata: { tokens: '3', region: 'eu' } }), 'it set other metadata'],
    ['another reason', request({ reason: null }), 'it gave another reason'],
  ])('refuses the same id with %s as CORRECTION_ID_CONFLICT', (_what, asked, difference) => {
    const decision = decideOnPrior(asked, prior());
    expect(decision.kind).toBe('refuse');
    const error = (decision as { error: MeterstreamError }).error;
    expect([error.code, error.status]).toEqual(['CORRECTION_ID_CONFLICT', 409]);
    expect(error.message).toContain(difference);
    expect(error.errors).toEqual([{ field: 'correction_id', message: expect.any(String) }]);
  });

  it('refuses a correction id that names a backfill batch of the customer', () => {
    const decision = decideOnPrior(request(), prior({ kind: 'backfill', correction_id: 'cor_1' }));
    expect(code(decision)).toBe('CORRECTION_ID_CONFLICT');
    expect(decision.kind === 'refuse' && decision.error.message).toContain('backfill batch');
  });
});

describe('a new correction of an event (decideOnEvent)', () => {
  const found = { kind: 'found' as const, event_name: 'api.call', timestamp: EVENT_TIME, voided: false };

  it('refuses an unknown event (404), an id of another customer only (422) and a voided event (409)', () => {
    const refusals = [decideOnEvent(request(), { kind: 'none' }, NOW, LIMIT), decideOnEvent(request(), { kind: 'of-another-customer' }, NOW, LIMIT), decideOnEvent(request(), { ...found, voided: true }, NOW, LIMIT)];
    expect(refusals.map((d) => d.kind === 'refuse' && [d.error.code, d.error.status])).toEqual([
      ['EVENT_NOT_FOUND', 404],
      ['EVENT_OF_ANOTHER_CUSTOMER', 422],
      ['EVENT_VOIDED', 409],
    ]);
  });

  it('refuses an event older than the backfill limit (with the margin) and accepts one just inside it', () => {
    const edge = NOW - LIMIT + BACKFILL_ACCEPT_MARGIN_MS;
    const old = decideOnEvent(request(), { ...found, timestamp: edge - 1 }, NOW, LIMIT);
    expect(old.kind === 'refuse' && [old.error.code, old.error.status]).toEqual(['EVENT_OLDER_THAN_BACKFILL_LIMIT', 422]);
    expect(old.kind === 'refuse' && old.error.message).toContain('35 days');
    expect(code(decideOnEvent(request(), { ...found, timestamp: edge }, NOW, LIMIT))).toBe('accept');
  });

  it("makes an amend one record with the event's id, customer, name and time, the new metadata and the correction", () => {
    const decision = decideOnEvent(request(), found, NOW, LIMIT);
    expect(decision).toEqual({
      kind: 'accept',
      record: {
        event_id: 'evt_1',
        customer_id: 'cus_1',
        event_name: 'api.call',
        timestamp: EVENT_TIME,
        metadata: { tokens: { decimal: '3' }, region: 'eu' },
        ingested_at: NOW,
        backfill_id: null,
        correction: { correction_id: 'cor_1', kind: 'amend', requested_by: 'key_1', reason: 'typo' },
      },
      prior: prior({ metadata: '{"tokens":3,"region":"eu"}', requested_at: NOW }),
      answer: expect.objectContaining({ correction_id: 'cor_1', kind: 'amend', requested_at: new Date(NOW).toISOString(), status: 'accepted' }),
    });
  });

  it('makes a void a record without metadata, and its re-send a repeat with the same answer', () => {
    const asked = request({ kind: 'void', metadata: {}, reason: null });
    const decision = decideOnEvent(asked, found, NOW, LIMIT);
    if (decision.kind !== 'accept') throw new Error(`expected accept, got ${decision.kind}`);
    expect([decision.record.metadata, decision.record.correction, decision.prior.metadata]).toEqual([{}, { correction_id: 'cor_1', kind: 'void', requested_by: 'key_1', reason: null }, '']);
    expect(decideOnPrior(asked, decision.prior)).toEqual({ kind: 'repeat', answer: decision.answer });
  });
});
