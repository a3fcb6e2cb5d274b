import type { KafkaMessage } from 'kafkajs';
import { type AvroCodec } from '@meterstream/common';
import { eventKey, invalidEvent, metadataToJson, toClickHouseTime, unstorableEvent, withIngestedAt, type EventRef, type UsageEvent } from '@meterstream/domain';
import type { AddResult, InsertBatch, SinkBuffer } from './durable-sink';

export const EVENTS_TABLE = 'events';

/** Which of these events the events table holds already, as eventKey texts (EventReader.knownEvents). */
export type StoredEvents = (events: readonly EventRef[]) => Promise<Set<string>>;

/**
 * Buffers raw events of one `events` partition as rows of the ClickHouse events table.
 *
 * The row stored for an event is the copy that was counted: the router counts the first copy of a
 * (customer_id, event_id) in its partition's offset order and drops later ones, whoever sent them. This
 * buffer reads the same partition in the same order and inserts only first copies: a repeat inside the
 * buffer is dropped, and rows() leaves out the events the table holds already (one query per flush).
 * Flushes of a partition run one after the other, so the query sees every earlier flush's rows. The
 * rows are computed once per flush and kept for its retries, so a retried insert (same deduplication
 * token) carries the same rows. docs/exactly-once.md.
 */
export class RawEventBuffer implements SinkBuffer {
  private readonly pending: { event: UsageEvent & { ingested_at: number }; offset: string }[] = [];
  private readonly keys = new Set<string>();

  constructor(
    private readonly codec: AvroCodec,
    private readonly stored: StoredEvents,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  async add(message: KafkaMessage): Promise<AddResult> {
    // Records the router sends to the DLQ (undecodable or invalid) are skipped here: one DLQ record
    // for them is enough. A valid event the events table cannot hold goes to the DLQ from here. A
    // registry that cannot be reached throws, and the batch is read again.
    const decoded = await this.codec.decodeAs<UsageEvent>(message.value, 'usage-event');
    if (!decoded.ok) return { kind: 'skipped', reason: 'undecodable (the router dead-letters it)', expected: true };
    const invalid = invalidEvent(decoded.value);
    if (invalid !== undefined) return { kind: 'skipped', reason: `${invalid} (the router dead-letters it)`, expected: true };
    // A direct producer may leave ingested_at out: the Kafka record's timestamp stands in for it.
    const event = withIngestedAt(decoded.value, Number(message.timestamp));
    const unstorable = unstorableEvent(event);
    if (unstorable !== undefined) return { kind: 'dead-letter', code: 'UNSTORABLE_RECORD', reason: unstorable };
    const key = eventKey(event);
    if (this.keys.has(key)) return { kind: 'skipped', reason: 'a repeat of an event earlier in this partition (the first copy is the one counted)', expected: true };
    this.keys.add(key);
    this.pending.push({ event, offset: message.offset });
    return { kind: 'buffered' };
  }

  async rows(source: { topic: string; partition: number }): Promise<InsertBatch[]> {
    const known = await this.stored(this.pending.map(({ event }) => event));
    const rows = this.pending
      .filter(({ event }) => !known.has(eventKey(event)))
      .map(({ event, offset }) => ({
        event_id: event.event_id,
        customer_id: event.customer_id,
        event_name: event.event_name,
        timestamp: toClickHouseTime(event.timestamp),
        metadata: JSON.stringify(metadataToJson(event.metadata)),
        ingested_at: toClickHouseTime(event.ingested_at),
        source_topic: source.topic,
        source_partition: source.partition,
        source_offset: offset,
      }));
    return [{ table: EVENTS_TABLE, rows }];
  }
}
