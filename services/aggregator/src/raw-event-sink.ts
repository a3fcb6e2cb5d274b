import type { KafkaMessage } from 'kafkajs';
import { type AvroCodec } from '@meterstream/common';
import { invalidEvent, metadataToJson, toClickHouseTime, unstorableEvent, type UsageEvent } from '@meterstream/domain';
import type { AddResult, InsertBatch, SinkBuffer } from './durable-sink';

export const EVENTS_TABLE = 'events';

/** Buffers raw events of one `events` partition as rows of the ClickHouse events table. */
export class RawEventBuffer implements SinkBuffer {
  private readonly pending: { event: UsageEvent; offset: string }[] = [];

  constructor(private readonly codec: AvroCodec) {}

  get size(): number {
    return this.pending.length;
  }

  async add(message: KafkaMessage): Promise<AddResult> {
    // Records the router sends to the DLQ (undecodable or invalid) are skipped here: one DLQ record
    // for them is enough. A valid event the events table cannot hold goes to the DLQ from here. A
    // registry that cannot be reached throws, and the batch is read again.
    const decoded = await this.codec.decodeAs<UsageEvent>(message.value, 'usage-event');
    if (!decoded.ok) return { kind: 'skipped', reason: 'undecodable (the router dead-letters it)' };
    const invalid = invalidEvent(decoded.value);
    if (invalid !== undefined) return { kind: 'skipped', reason: `${invalid} (the router dead-letters it)` };
    const unstorable = unstorableEvent(decoded.value);
    if (unstorable !== undefined) return { kind: 'dead-letter', code: 'UNSTORABLE_RECORD', reason: unstorable };
    this.pending.push({ event: decoded.value, offset: message.offset });
    return { kind: 'buffered' };
  }

  rows(source: { topic: string; partition: number }): InsertBatch[] {
    const rows = this.pending.splice(0).map(({ event, offset }) => ({
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
