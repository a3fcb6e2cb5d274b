import type { KafkaMessage } from 'kafkajs';
import type { AvroCodec } from '@meterstream/common';
import { correctionKey, eventKey, type EventRef, type UsageEvent } from '@meterstream/domain';
import type { InsertBatch } from './durable-sink';
import { RawEventBuffer, type RawEventSinkOptions } from './raw-event-sink';

/** A codec whose "bytes" are the JSON of the event (the buffer's logic, not Avro, is under test). */
const codec = {
  decodeAs: async (buffer: Buffer | null) => ({ ok: true, value: JSON.parse(buffer!.toString()) as UsageEvent }),
} as unknown as AvroCodec;

const DAY = 86_400_000;

/** A buffer over lookups that find nothing stored, with a 35-day backfill limit; `options` replace them. */
const newBuffer = (options: Partial<RawEventSinkOptions> = {}) =>
  new RawEventBuffer(codec, { stored: async () => new Set(), storedCorrections: async () => new Set(), backfillMaxAgeMs: 35 * DAY, ...options });

/** The rows of one table among a flush's inserts. */
const rowsOf = (batches: InsertBatch[], table: string) => batches.find((b) => b.table === table)!.rows;

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
    const buffer = newBuffer();
    expect(await buffer.add(message(10, { metadata: { n: { decimal: '1' } } }))).toEqual({ kind: 'buffered' });
    expect((await buffer.add(message(11, { metadata: { n: { decimal: '2' } } }))).kind).toBe('skipped');
    // The same id under another customer is another event.
    expect(await buffer.add(message(12, { customer_id: 'd' }))).toEqual({ kind: 'buffered' });
    expect(rowsOf(await buffer.rows({ topic: 'events', partition: 0 }), 'events').map((r) => [r.customer_id, r.source_offset, r.metadata])).toEqual([
      ['c', '10', '{"n":1}'],
      ['d', '12', '{}'],
    ]);
  });

  it('leaves out events the table holds already (stored by an earlier flush)', async () => {
    const asked: EventRef[][] = [];
    const buffer = newBuffer({
      stored: async (events) => {
        asked.push([...events]);
        return new Set([eventKey({ customer_id: 'c', event_id: 'old' })]);
      },
    });
    await buffer.add(message(20, { event_id: 'old' }));
    await buffer.add(message(21, { event_id: 'new' }));
    expect(rowsOf(await buffer.rows({ topic: 'events', partition: 0 }), 'events').map((r) => r.event_id)).toEqual(['new']);
    expect(asked.map((refs) => refs.map((r) => r.event_id))).toEqual([['old', 'new']]);
  });

  it('fills ingested_at from the Kafka record time when the producer left it out', async () => {
    const buffer = newBuffer();
    const timestamp = Date.UTC(2026, 0, 1);
    await buffer.add(message(1, { timestamp, ingested_at: null }, Date.UTC(2026, 0, 2, 3, 4, 5, 678)));
    await buffer.add(message(2, { event_id: 'f', timestamp, ingested_at: Date.UTC(2026, 0, 1) }, Date.UTC(2026, 0, 2)));
    expect(rowsOf(await buffer.rows({ topic: 'events', partition: 0 }), 'events').map((r) => r.ingested_at)).toEqual(['2026-01-02 03:04:05.678', '2026-01-01 00:00:00.000']);
  });

  it('keeps its records when the lookup fails, so the flush can be built again', async () => {
    let fail = true;
    const buffer = newBuffer({
      stored: async () => {
        if (fail) throw new Error('ClickHouse unreachable');
        return new Set();
      },
    });
    await buffer.add(message(1, {}));
    await expect(buffer.rows({ topic: 'events', partition: 0 })).rejects.toThrow('unreachable');
    fail = false;
    expect(rowsOf(await buffer.rows({ topic: 'events', partition: 0 }), 'events')).toHaveLength(1);
  });
});

describe('RawEventBuffer: the audit trail of corrections and backfills, in the same flush', () => {
  const NOW = Date.UTC(2026, 0, 15, 12);
  const source = { topic: 'events', partition: 2 };
  const correction = (correction_id: string, kind: 'void' | 'amend', extra: Partial<UsageEvent> = {}): Partial<UsageEvent> => ({
    event_id: 'e1',
    timestamp: NOW - 1000,
    ingested_at: NOW,
    correction: { correction_id, kind, requested_by: 'key_1', reason: kind === 'void' ? 'duplicate' : null },
    ...extra,
  });

  it('writes a void or amend as one audit row and no events row, audit insert first', async () => {
    const buffer = newBuffer();
    await buffer.add(message(7, { event_id: 'e1', timestamp: NOW - 1000, metadata: { n: { decimal: '1' } } }, NOW));
    expect(await buffer.add(message(8, correction('cor_a', 'amend', { metadata: { n: { decimal: '12345678901234567890.5' }, s: 'x' } }), NOW))).toEqual({ kind: 'buffered' });
    expect(await buffer.add(message(9, correction('cor_v', 'void', { metadata: {} }), NOW))).toEqual({ kind: 'buffered' });
    expect(buffer.size).toBe(3);
    const batches = await buffer.rows(source);
    expect(batches.map((b) => b.table)).toEqual(['event_corrections', 'events']);
    expect(rowsOf(batches, 'events').map((r) => r.source_offset)).toEqual(['7']);
    expect(rowsOf(batches, 'event_corrections')).toEqual([
      {
        correction_id: 'cor_a',
        kind: 'amend',
        customer_id: 'c',
        event_id: 'e1',
        event_name: 'x',
        timestamp: '2026-01-15 11:59:59.000',
        metadata: '{"n":"12345678901234567890.5","s":"x"}',
        requested_by: 'key_1',
        reason: '',
        requested_at: '2026-01-15 12:00:00.000',
        source_topic: 'events',
        source_partition: 2,
        source_offset: '8',
      },
      expect.objectContaining({ correction_id: 'cor_v', kind: 'void', metadata: '', reason: 'duplicate', source_offset: '9' }),
    ]);
  });

  it('leaves out a correction id the customer used before, in the buffer or stored, and keeps the same id of another customer', async () => {
    const asked: { customer_id: string; correction_id: string }[][] = [];
    const buffer = newBuffer({
      storedCorrections: async (refs) => {
        asked.push([...refs]);
        return new Set([correctionKey('c', 'cor_stored')]);
      },
    });
    expect(await buffer.add(message(1, correction('cor_1', 'void')))).toEqual({ kind: 'buffered' });
    expect(await buffer.add(message(2, correction('cor_1', 'amend', { event_id: 'e2' })))).toMatchObject({ kind: 'skipped', expected: true });
    expect(await buffer.add(message(3, correction('cor_1', 'void', { customer_id: 'd' })))).toEqual({ kind: 'buffered' });
    expect(await buffer.add(message(4, correction('cor_stored', 'void', { event_id: 'e3' })))).toEqual({ kind: 'buffered' });
    const audit = rowsOf(await buffer.rows(source), 'event_corrections');
    expect(audit.map((r) => [r.customer_id, r.correction_id, r.source_offset])).toEqual([
      ['c', 'cor_1', '1'],
      ['d', 'cor_1', '3'],
    ]);
    expect(asked).toEqual([
      [
        { customer_id: 'c', correction_id: 'cor_1' },
        { customer_id: 'd', correction_id: 'cor_1' },
        { customer_id: 'c', correction_id: 'cor_stored' },
      ],
    ]);
  });

  it('does not take a correction for a repeat of its event, nor an event for a repeat of a correction', async () => {
    const buffer = newBuffer();
    expect(await buffer.add(message(1, correction('cor_1', 'void')))).toEqual({ kind: 'buffered' });
    expect(await buffer.add(message(2, { event_id: 'e1' }))).toEqual({ kind: 'buffered' });
    const batches = await buffer.rows(source);
    expect(rowsOf(batches, 'events').map((r) => r.event_id)).toEqual(['e1']);
    expect(rowsOf(batches, 'event_corrections').map((r) => r.correction_id)).toEqual(['cor_1']);
  });

  it('gives an event of a backfill batch stored as new a backfill row, and a repeat of a stored event none', async () => {
    const buffer = newBuffer({ stored: async () => new Set([eventKey({ customer_id: 'c', event_id: 'known' })]) });
    await buffer.add(message(5, { event_id: 'new', backfill_id: 'bf_1', metadata: { tokens: { decimal: '2.5' } }, ingested_at: NOW }));
    await buffer.add(message(6, { event_id: 'known', backfill_id: 'bf_1' }));
    await buffer.add(message(7, { event_id: 'new', backfill_id: 'bf_2' }));
    await buffer.add(message(8, { event_id: 'plain' }));
    const batches = await buffer.rows(source);
    expect(rowsOf(batches, 'events').map((r) => r.event_id)).toEqual(['new', 'plain']);
    expect(rowsOf(batches, 'event_corrections')).toEqual([
      expect.objectContaining({ correction_id: 'bf_1', kind: 'backfill', event_id: 'new', metadata: '{"tokens":2.5}', requested_by: '', reason: '', requested_at: '2026-01-15 12:00:00.000', source_offset: '5' }),
    ]);
  });

  it('keeps the audit rows of one flush in offset order, whatever their kind', async () => {
    const buffer = newBuffer();
    await buffer.add(message(10, { event_id: 'b1', backfill_id: 'bf_1' }));
    await buffer.add(message(11, correction('cor_1', 'void', { event_id: 'b1' })));
    await buffer.add(message(12, { event_id: 'b2', backfill_id: 'bf_1' }));
    expect(rowsOf(await buffer.rows(source), 'event_corrections').map((r) => [r.correction_id, r.source_offset])).toEqual([
      ['bf_1', '10'],
      ['cor_1', '11'],
      ['bf_1', '12'],
    ]);
  });

  it('skips events and corrections more than BACKFILL_MAX_AGE_DAYS before their record time, as the router dead-letters them', async () => {
    const buffer = newBuffer({ backfillMaxAgeMs: 10 * DAY });
    const limit = NOW - 10 * DAY;
    expect(await buffer.add(message(1, { event_id: 'old', timestamp: limit - 1 }, NOW))).toMatchObject({ kind: 'skipped', expected: true });
    expect(await buffer.add(message(2, correction('cor_old', 'void', { timestamp: limit - 1 }), NOW))).toMatchObject({ kind: 'skipped', expected: true });
    expect(await buffer.add(message(3, { event_id: 'edge', timestamp: limit }, NOW))).toEqual({ kind: 'buffered' });
    // Measured from the record time, not the clock: an old record of its time is kept.
    expect(await buffer.add(message(4, { event_id: 'early', timestamp: limit - 1 }, NOW - 1))).toEqual({ kind: 'buffered' });
    const batches = await buffer.rows(source);
    expect(rowsOf(batches, 'events').map((r) => r.event_id)).toEqual(['edge', 'early']);
    expect(rowsOf(batches, 'event_corrections')).toEqual([]);
  });
});
