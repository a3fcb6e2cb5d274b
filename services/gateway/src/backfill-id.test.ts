import type { UsageEvent } from '@meterstream/domain';
import { backfillIdOf } from './backfill-id';

const event = (event_id: string, overrides: Partial<UsageEvent> = {}): UsageEvent => ({
  event_id,
  customer_id: 'cus_1',
  event_name: 'api.call',
  timestamp: Date.UTC(2026, 0, 2),
  metadata: { tokens: { decimal: '1.5' }, region: 'eu' },
  ingested_at: Date.UTC(2026, 0, 15),
  ...overrides,
});
const given = (...events: UsageEvent[]) => events.map((e) => ({ event: e, timestampGiven: true }));

describe('backfillIdOf', () => {
  it('is bf_ and 24 hex digits, the same for the same batch in any order and with metadata keys in any order', () => {
    const id = backfillIdOf(given(event('a'), event('b')));
    expect(id).toMatch(/^bf_[0-9a-f]{24}$/);
    expect(backfillIdOf(given(event('b'), event('a', { metadata: { region: 'eu', tokens: { decimal: '1.5' } } })))).toBe(id);
    // Accepted at another time: ingested_at is not part of the batch.
    expect(backfillIdOf(given(event('a', { ingested_at: 1 }), event('b')))).toBe(id);
  });

  it('changes with any event id, customer, name, time or metadata value, and with a number sent as a string', () => {
    const id = backfillIdOf(given(event('a')));
    const variants = [
      event('a2'),
      event('a', { customer_id: 'cus_2' }),
      event('a', { event_name: 'other' }),
      event('a', { timestamp: Date.UTC(2026, 0, 2) + 1 }),
      event('a', { metadata: { tokens: { decimal: '1.6' }, region: 'eu' } }),
      event('a', { metadata: { tokens: '1.5', region: 'eu' } }),
    ];
    const ids = variants.map((v) => backfillIdOf(given(v)));
    expect(new Set([id, ...ids]).size).toBe(variants.length + 1);
  });

  it("does not depend on the gateway's clock for an event sent without a timestamp", () => {
    const sent = (timestamp: number) => backfillIdOf([{ event: event('a', { timestamp }), timestampGiven: false }]);
    expect(sent(1000)).toBe(sent(2000));
    expect(sent(1000)).not.toBe(backfillIdOf(given(event('a', { timestamp: 1000 }))));
  });
});
