import { BACKFILL_ACCEPT_MARGIN_MS } from './backfill-age';
import { correctionTargetRefusal, type CorrectionTarget } from './correction-target';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 4, 1);
const LIMIT = 35 * DAY;
const found = (timestamp: number, voided = false): CorrectionTarget => ({ kind: 'found', voided, event_id: 'e1', customer_id: 'c1', event_name: 'job', timestamp, metadata: '{}', amended: false });
const code = (target: CorrectionTarget) => correctionTargetRefusal(target, 'c1', 'e1', NOW, LIMIT)?.code;
const status = (target: CorrectionTarget) => correctionTargetRefusal(target, 'c1', 'e1', NOW, LIMIT)?.status;

describe('correctionTargetRefusal', () => {
  it('refuses, in order: not found (404), another customer (422), voided (409), older than the backfill limit (422)', () => {
    expect([code({ kind: 'none' }), status({ kind: 'none' })]).toEqual(['EVENT_NOT_FOUND', 404]);
    expect([code({ kind: 'of-another-customer' }), status({ kind: 'of-another-customer' })]).toEqual(['EVENT_OF_ANOTHER_CUSTOMER', 422]);
    expect([code(found(NOW - DAY, true)), status(found(NOW - DAY, true))]).toEqual(['EVENT_VOIDED', 409]);
    // Voided and too old: voided comes first.
    expect(code(found(NOW - 40 * DAY, true))).toBe('EVENT_VOIDED');
    expect([code(found(NOW - LIMIT - 1)), status(found(NOW - LIMIT - 1))]).toEqual(['EVENT_OLDER_THAN_BACKFILL_LIMIT', 422]);
  });

  it('accepts an event up to the limit old less the gateway margin (what the router then never refuses)', () => {
    const edge = NOW - LIMIT + BACKFILL_ACCEPT_MARGIN_MS;
    expect(correctionTargetRefusal(found(edge), 'c1', 'e1', NOW, LIMIT)).toBeUndefined();
    expect(code(found(edge - 1))).toBe('EVENT_OLDER_THAN_BACKFILL_LIMIT');
    expect(correctionTargetRefusal(found(NOW + 1000), 'c1', 'e1', NOW, LIMIT)).toBeUndefined();
  });

  it('names the event and the limit', () => {
    expect(correctionTargetRefusal(found(NOW - 40 * DAY), 'c1', 'e1', NOW, LIMIT)?.message).toMatch(/event e1 of customer c1 .* 35 days \(BACKFILL_MAX_AGE_DAYS\)/);
  });
});
