import type { KafkaMessage } from 'kafkajs';
import type { AvroCodec } from '@meterstream/common';
import type { AggregationType, MeterRecord } from '@meterstream/domain';
import type { InsertBatch, SinkBuffer } from './durable-sink';
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
    windowMs: number,
  ) {
    this.accumulator = new WindowAccumulator(aggregationOf, windowMs);
  }

  get size(): number {
    return this.accumulator.size;
  }

  async add(message: KafkaMessage): Promise<boolean> {
    if (!message.value) return false;
    const record = await this.codec.decode<MeterRecord>(message.value);
    if (!this.accumulator.add(record)) return false;
    this.records.push({ record, offset: message.offset });
    return true;
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
