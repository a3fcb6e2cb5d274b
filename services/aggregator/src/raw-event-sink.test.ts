import type { KafkaMessage } from 'kafkajs';
import type { AvroCodec } from '@meterstream/common';
import { eventKey, type EventRef, type UsageEvent } from '@meterstream/domain';
import { RawEventBuffer } from './raw-event-sink';

/** A codec whose "bytes" are the JSON of the event (the buffer's logic, not Avro, is under test). */
const codec = {
  decodeAs: async (buffer: Buffer | null) => ({ ok: true, value: JSON.parse(buffer!.toString()) as UsageEvent }),
} as unknown as AvroCodec;

const message = (offset: number, event: Partial<UsageEvent>, timestamp = 5000): KafkaMessage =>
  ({
    offset: String(offset),
    timestamp: String(timestamp),
    key: null,
    value: Buffer.from(JSON.stringify({ event_id: 'e', customer_id: 'c', event_name: 'x', timestamp: 1000, metadata: {}, ingested_at: null, ...event })),
    attributes: 0,
    headers: {},
  }) as KafkaMessage;

describe('RawEventBuffer: the stored copy of an event is the counted one (the first in its partition)', () => {
  it('keeps the first copy of a repeated (customer_id, event_id) in one flush, whatever the later copy says', async () => {
    const buffer = new RawEventBuffer(codec, async () => new Set());
    expect(await buffer.add(message(10, { metadata: { n: { decimal: '1' } } }))).toEqual({ kind: 'buffered' });
    expect((await buffer.add(message(11, { metadata: { n: { decimal: '2' } } }))).kind).toBe('skipped');
    // The same id under another customer is another event.
    expect(await buffer.add(message(12, { customer_id: 'd' }))).toEqual({ kind: 'buffered' });
    const [batch] = await buffer.rows({ topic: 'events', partition: 0 });
    expect(batch.rows.map((r) => [r.customer_id, r.source_offset, r.metadata])).toEqual([
      ['c', '10', '{"n":1}'],
      ['d', '12', '{}'],
    ]);
  });

  it('leaves out events the table holds already (stored by an earlier flush)', async () => {
    const asked: EventRef[][] = [];
    const buffer = new RawEventBuffer(codec, async (events) => {
      asked.push([...events]);
      return new Set([eventKey({ customer_id: 'c', event_id: 'old' })]);
    });
    await buffer.add(message(20, { event_id: 'old' }));
    await buffer.add(message(21, { event_id: 'new' }));
    const [batch] = await buffer.rows({ topic: 'events', partition: 0 });
    expect(batch.rows.map((r) => r.event_id)).toEqual(['new']);
    expect(asked.map((refs) => refs.map((r) => r.event_id))).toEqual([['old', 'new']]);
  });

  it('fills ingested_at from the Kafka record time when the producer left it out', async () => {
    const buffer = new RawEventBuffer(codec, async () => new Set());
    await buffer.add(message(1, { ingested_at: null }, Date.UTC(2026, 0, 2, 3, 4, 5, 678)));
    await buffer.add(message(2, { event_id: 'f', ingested_at: Date.UTC(2026, 0, 1) }, Date.UTC(2026, 0, 2)));
    const [batch] = await buffer.rows({ topic: 'events', partition: 0 });
    expect(batch.rows.map((r) => r.ingested_at)).toEqual(['2026-01-02 03:04:05.678', '2026-01-01 00:00:00.000']);
  });

  it('keeps its records when the lookup fails, so the flush can be built again', async () => {
    let fail = true;
    const buffer = new RawEventBuffer(codec, async () => {
      if (fail) throw new Error('ClickHouse unreachable');
      return new Set();
    });
    await buffer.add(message(1, {}));
    await expect(buffer.rows({ topic: 'events', partition: 0 })).rejects.toThrow('unreachable');
    fail = false;
    expect((await buffer.rows({ topic: 'events', partition: 0 }))[0].rows).toHaveLength(1);
  });
});
