import { BACKFILL_ACCEPT_MARGIN_MS, MeterstreamError } from '@meterstream/domain';
import { validateBackfillBody, validateCorrectionBody, MAX_REASON_LENGTH } from './correction-validator';
import { DEFAULT_INGEST_LIMITS, validateIngestBody } from './event-validator';
import { parseJsonBody } from './json-body';

const NOW = Date.UTC(2026, 0, 15, 10, 30, 0);
const DAY = 86_400_000;
const LIMIT = 35 * DAY;
const iso = (ms: number) => new Date(ms).toISOString();
const ev = (overrides: Record<string, unknown> = {}) => ({ event_id: 'evt_1', customer_id: 'cus_1', event_name: 'api.call', ...overrides });

function refusal(run: () => unknown): MeterstreamError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MeterstreamError);
    return error as MeterstreamError;
  }
  throw new Error('expected a refusal');
}

describe('validateBackfillBody', () => {
  const oldest = NOW - LIMIT + BACKFILL_ACCEPT_MARGIN_MS;

  it('accepts events up to the backfill limit, each carrying the batch id', () => {
    const { backfillId, events } = validateBackfillBody(
      { events: [ev({ timestamp: iso(oldest), metadata: { tokens: 5 } }), ev({ event_id: 'evt_2', timestamp: iso(NOW - 2 * DAY) })], backfill_id: 'batch-7' },
      NOW,
      DEFAULT_INGEST_LIMITS,
      LIMIT,
    );
    expect(backfillId).toBe('batch-7');
    expect(events.map((e) => [e.event_id, e.timestamp, e.backfill_id, e.ingested_at])).toEqual([
      ['evt_1', oldest, 'batch-7', NOW],
      ['evt_2', NOW - 2 * DAY, 'batch-7', NOW],
    ]);
    expect(events[0].metadata).toEqual({ tokens: { decimal: '5' } });
  });

  it('refuses a batch with events older than the limit as EVENT_OLDER_THAN_BACKFILL_LIMIT, naming each of them', () => {
    const error = refusal(() =>
      validateBackfillBody({ events: [ev({ timestamp: iso(oldest - 1) }), ev({ event_id: 'ok', timestamp: iso(NOW - DAY) }), ev({ event_id: 'old2', timestamp: iso(NOW - 40 * DAY) })] }, NOW, DEFAULT_INGEST_LIMITS, LIMIT),
    );
    expect([error.code, error.status]).toEqual(['EVENT_OLDER_THAN_BACKFILL_LIMIT', 422]);
    expect(error.message).toContain('events[0], events[2]');
    expect(error.errors).toEqual([
      { index: 0, field: 'timestamp', message: 'older than the backfill limit of 35 days (BACKFILL_MAX_AGE_DAYS)' },
      { index: 2, field: 'timestamp', message: 'older than the backfill limit of 35 days (BACKFILL_MAX_AGE_DAYS)' },
    ]);
  });

  it('still refuses an old event with the old code when other problems come with it, listing all of them', () => {
    const error = refusal(() => validateBackfillBody({ events: [ev({ timestamp: iso(NOW - 40 * DAY) }), ev({ event_id: '' })] }, NOW, DEFAULT_INGEST_LIMITS, LIMIT));
    expect(error.code).toBe('EVENT_OLDER_THAN_BACKFILL_LIMIT');
    expect(error.errors.map((e) => [e.index, e.field])).toEqual([
      [0, 'timestamp'],
      [1, 'event_id'],
    ]);
  });

  it('applies the rest of ingest: future skew, metadata rules, duplicates in the batch', () => {
    expect(refusal(() => validateBackfillBody({ events: [ev({ timestamp: iso(NOW + 6 * 60_000) })] }, NOW, DEFAULT_INGEST_LIMITS, LIMIT)).code).toBe('VALIDATION_FAILED');
    expect(refusal(() => validateBackfillBody({ events: [ev({ metadata: { a: [1] } })] }, NOW, DEFAULT_INGEST_LIMITS, LIMIT)).errors).toEqual([
      { index: 0, field: 'metadata.a', message: expect.any(String) },
    ]);
    expect(refusal(() => validateBackfillBody({ events: [ev(), ev()] }, NOW, DEFAULT_INGEST_LIMITS, LIMIT)).code).toBe('DUPLICATE_EVENT_ID_IN_BATCH');
  });

  it('leaves ingest as it was: an old event is one more VALIDATION_FAILED problem there', () => {
    const error = refusal(() => validateIngestBody({ events: [ev({ timestamp: iso(NOW - 2 * 60 * 60_000) })] }, NOW));
    expect([error.code, error.errors]).toEqual(['VALIDATION_FAILED', [{ index: 0, field: 'timestamp', message: 'older than the maximum age of 3600 s' }]]);
  });

  it('derives the batch id from the events when none is given, the same for the same batch', () => {
    const body = () => parseJsonBody(JSON.stringify({ events: [ev({ timestamp: iso(NOW - DAY), metadata: { n: 1.5 } }), ev({ event_id: 'evt_2' })] }), 'exact');
    const first = validateBackfillBody(body(), NOW, DEFAULT_INGEST_LIMITS, LIMIT);
    const again = validateBackfillBody(body(), NOW + 60_000, DEFAULT_INGEST_LIMITS, LIMIT);
    expect(first.backfillId).toMatch(/^bf_[0-9a-f]{24}$/);
    expect(again.backfillId).toBe(first.backfillId);
    expect(first.events.every((e) => e.backfill_id === first.backfillId)).toBe(true);
  });

  it('refuses a backfill_id that breaks the rules of an event id', () => {
    for (const backfill_id of ['', 7, 'x'.repeat(256), 'a\ud800']) {
      const error = refusal(() => validateBackfillBody({ events: [ev()], backfill_id }, NOW, DEFAULT_INGEST_LIMITS, LIMIT));
      expect([error.code, error.errors.map((e) => e.field)]).toEqual(['VALIDATION_FAILED', ['backfill_id']]);
    }
  });
});

describe('validateCorrectionBody', () => {
  it('reads a void and an amend, numbers of the amend as exact decimals', () => {
    expect(validateCorrectionBody('void', 'evt_1', { customer_id: 'cus_1', correction_id: 'cor_1' }, DEFAULT_INGEST_LIMITS)).toEqual({
      customer_id: 'cus_1',
      correction_id: 'cor_1',
      reason: null,
      metadata: {},
    });
    const body = parseJsonBody('{"customer_id":"cus_1","correction_id":"cor_2","reason":"typo","metadata":{"tokens":12345678901234567890.123,"ok":true,"s":"x"}}', 'exact');
    expect(validateCorrectionBody('amend', 'evt_1', body, DEFAULT_INGEST_LIMITS)).toEqual({
      customer_id: 'cus_1',
      correction_id: 'cor_2',
      reason: 'typo',
      metadata: { tokens: { decimal: '12345678901234567890.123' }, ok: true, s: 'x' },
    });
    expect(validateCorrectionBody('amend', 'evt_1', { customer_id: 'c', correction_id: 'k', metadata: {} }, DEFAULT_INGEST_LIMITS).metadata).toEqual({});
  });

  it('names every problem: ids by the event id rules, reason, metadata by ingest rules, fields the route does not take', () => {
    const error = refusal(() =>
      validateCorrectionBody(
        'amend',
        'x'.repeat(256),
        { customer_id: '', correction_id: 'a\ud800', reason: 'r'.repeat(MAX_REASON_LENGTH + 1), metadata: { n: 1e400, list: [1] }, extra: 1 },
        DEFAULT_INGEST_LIMITS,
      ),
    );
    expect([error.code, error.status]).toEqual(['VALIDATION_FAILED', 422]);
    expect(error.errors.map((e) => e.field).sort()).toEqual(['correction_id', 'customer_id', 'event_id', 'extra', 'metadata.list', 'metadata.n', 'reason'].sort());
  });

  it('requires the metadata of an amend and refuses metadata on a void', () => {
    expect(refusal(() => validateCorrectionBody('amend', 'e', { customer_id: 'c', correction_id: 'k' }, DEFAULT_INGEST_LIMITS)).errors).toEqual([{ field: 'metadata', message: expect.stringContaining('required') }]);
    expect(refusal(() => validateCorrectionBody('void', 'e', { customer_id: 'c', correction_id: 'k', metadata: {} }, DEFAULT_INGEST_LIMITS)).errors).toEqual([
      { field: 'metadata', message: expect.stringContaining('unknown field') },
    ]);
    expect(refusal(() => validateCorrectionBody('void', 'e', [], DEFAULT_INGEST_LIMITS)).errors).toEqual([{ field: '', message: 'must be a JSON object' }]);
    expect(refusal(() => validateCorrectionBody('void', 'e', { customer_id: 'c', correction_id: 'k', reason: '' }, DEFAULT_INGEST_LIMITS)).errors.map((e) => e.field)).toEqual(['reason']);
  });
});
