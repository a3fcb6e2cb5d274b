import { numericValue } from '../filter/filter-evaluator';
import { meteredValue } from '../routing/record-extractor';
import type { Meter } from './meter';
import { invalidEvent, metadataText, metadataToJson, withIngestedAt, type MetadataValue, type UsageEvent } from './usage-event';

const event = (metadata: Record<string, MetadataValue>, ingested_at: number | null = 1): UsageEvent => ({
  event_id: 'e',
  customer_id: 'c',
  event_name: 'x',
  timestamp: 1,
  metadata,
  ingested_at,
});
const sum = { id: 'm', aggregation: { type: 'sum', key: 'n' } } as Meter;

describe('exact integers from the long branch (direct Kafka producers)', () => {
  it('are metered, filtered and shown without losing a digit', () => {
    const n = 2n ** 63n - 1n;
    expect(meteredValue(sum, { n })).toEqual({ ok: true, value: '9223372036854775807', unique_key: null });
    expect(numericValue(n)?.toFixed()).toBe('9223372036854775807');
    expect(metadataText(-5n)).toBe('-5');
    // JSON shows a number when the number is exact, else the text.
    expect(metadataToJson({ a: 42n, b: 9007199254740993n })).toEqual({ a: 42, b: '9007199254740993' });
  });
});

describe('a DecimalNumber is a decimal by the gateway\'s grammar and range, or the event is invalid', () => {
  it.each(['1e3', '1.5', '-0', '.5', ' 7 ', '12345678901234567890123456'])('accepts %j', (decimal) => {
    expect(invalidEvent(event({ n: { decimal } }))).toBeUndefined();
  });
  it.each([
    ['12abc', 'is not a decimal number'],
    ['0x10', 'is not a decimal number'],
    ['', 'is not a decimal number'],
    ['1e999', 'outside the range'],
    ['0.0000000000001', 'outside the range'],
  ])('refuses %j', (decimal, message) => {
    expect(invalidEvent(event({ n: { decimal } }))).toContain(message);
  });
  it('leaves text alone: a string is only read as a number by a meter that needs one', () => {
    expect(invalidEvent(event({ n: '12abc' }))).toBeUndefined();
  });
});

describe('withIngestedAt', () => {
  it('fills a missing ingested_at from the Kafka record time and keeps a given one', () => {
    expect(withIngestedAt(event({}, null), 1234).ingested_at).toBe(1234);
    expect(withIngestedAt(event({}, 99), 1234).ingested_at).toBe(99);
  });
});
