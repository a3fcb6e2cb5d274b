import type { KafkaMessage } from 'kafkajs';
import type { AvroCodec } from '@meterstream/common';
import { unstorableMeterRecord, type AggregationType, type MeterRecord } from '@meterstream/domain';
import type { AddResult, InsertBatch, SinkBuffer } from './durable-sink';
import { WindowAccumulator, partialToRow, recordToRow } from './window-accumulator';

export const USAGE_TABLE = 'meter_usage';
/** Every counted record, for usage over ranges that split a window (see docs/exactly-once.md). */
export const RECORDS_TABLE = 'meter_records';

/**
 * Buffers one meter-topic partition as windowed partial aggregates, and every counted record itself:
 * a range whose start or end falls inside a window (a billing period starting at 17:19:15.000) takes
 * its whole windows from the partials and the records of its edge windows one by one.
 */
export class UsageBuffer implements SinkBuffer {
  private readonly accumulator: WindowAccumulator;
  private readonly records: { record: MeterRecord; offset: string }[] = [];

  constructor(
    private readonly codec: AvroCodec,
    aggregationOf: (meterId: string) => AggregationType | undefined,
    private readonly windowMs: number,
  ) {
    this.accumulator = new WindowAccumulator(aggregationOf, windowMs);
  }

  get size(): number {
    return this.accumulator.size;
  }

  /**
   * Bytes that do not decode and records that cannot be stored (unstorableMeterRecord) go to the DLQ;
   * a record of a meter the catalog does not know is skipped. A registry that cannot be reached throws,
   * and the batch is read again.
   */
  async add(message: KafkaMessage): Promise<AddResult> {
    const decoded = await this.codec.decodeAs<MeterRecord>(message.value, 'meter-record');
    if (!decoded.ok) return { kind: 'dead-letter', code: 'UNDECODABLE', reason: decoded.reason };
    const record = decoded.value;
    const unstorable = unstorableMeterRecord(record, this.windowMs);
    if (unstorable !== undefined) return { kind: 'dead-letter', code: 'UNSTORABLE_RECORD', reason: unstorable };
    if (!this.accumulator.add(record)) return { kind: 'skipped', reason: `meter ${record.meter_id} is not in the catalog` };
    this.records.push({ record, offset: message.offset });
    return { kind: 'buffered' };
  }

  rows(source: { topic: string; partition: number; endOffset: string }): InsertBatch[] {
    const records = this.records.splice(0).map(({ record, offset }) => ({
      ...recordToRow(record),
      source_topic: source.topic,
      source_partition: source.partition,
      source_offset: offset,
    }));
    const partials = this.accumulator.drain().map((p) => ({
      ...partialToRow(p),
      source_topic: source.topic,
      source_partition: source.partition,
      source_end_offset: source.endOffset,
    }));
    // Records first: the partials' insert carries the progress, so a record is never missing below it.
    return [
      { table: RECORDS_TABLE, rows: records },
      { table: USAGE_TABLE, rows: partials },
    ];
  }
}
