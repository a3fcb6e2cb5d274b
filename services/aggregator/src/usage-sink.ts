import type { KafkaMessage } from 'kafkajs';
import type { AvroCodec } from '@meterstream/common';
import type { AggregationType, MeterRecord } from '@meterstream/domain';
import type { SinkBuffer } from './durable-sink';
import { WindowAccumulator, partialToRow } from './window-accumulator';

export const USAGE_TABLE = 'meter_usage';

/** Buffers one meter-topic partition as windowed partial aggregates. */
export class UsageBuffer implements SinkBuffer {
  private readonly accumulator: WindowAccumulator;

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
    return this.accumulator.add(record);
  }

  rows(source: { topic: string; partition: number; endOffset: string }): Record<string, unknown>[] {
    return this.accumulator.drain().map((p) => ({
      ...partialToRow(p),
      source_topic: source.topic,
      source_partition: source.partition,
      source_end_offset: source.endOffset,
    }));
  }
}
