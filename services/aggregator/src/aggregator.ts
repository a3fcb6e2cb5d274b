import type { Kafka } from 'kafkajs';
import type { AvroCodec, Logger, Meter, MeterstreamConfig, Topics, Warehouse } from '@meterstream/common';
import { DurableSink } from './durable-sink';
import { EVENTS_PROGRESS_SQL, EVENTS_TABLE, RawEventBuffer } from './raw-event-sink';
import { USAGE_PROGRESS_SQL, USAGE_TABLE, UsageBuffer } from './usage-sink';

export interface AggregatorDeps {
  config: MeterstreamConfig;
  kafka: Kafka;
  codec: AvroCodec;
  topics: Topics;
  warehouse: Warehouse;
  meters: readonly Meter[];
  logger: Logger;
}

/** Windowed usage totals from the meter topics, and the raw event sink from `events`, into ClickHouse. */
export class Aggregator {
  private readonly usage: DurableSink;
  private readonly rawEvents: DurableSink;

  constructor(deps: AggregatorDeps) {
    const { config, kafka, codec, topics, warehouse, meters, logger } = deps;
    const aggregations = new Map(meters.map((m) => [m.id, m.aggregation.type]));
    const windowMs = config.aggregator.windowSeconds * 1000;
    const common = {
      kafka,
      warehouse,
      flushIntervalMs: config.aggregator.flushIntervalMs,
      flushMaxRecords: config.aggregator.flushMaxRecords,
    };
    this.usage = new DurableSink({
      ...common,
      name: 'usage',
      logger: logger.child({ sink: 'usage' }),
      groupId: `${config.kafka.topicPrefix}aggregator`,
      topics: meters.map((m) => topics.meter(m.id)),
      table: USAGE_TABLE,
      progressSql: USAGE_PROGRESS_SQL,
      newBuffer: () => new UsageBuffer(codec, (id) => aggregations.get(id), windowMs),
    });
    this.rawEvents = new DurableSink({
      ...common,
      name: 'raw-events',
      logger: logger.child({ sink: 'raw-events' }),
      groupId: `${config.kafka.topicPrefix}raw-event-sink`,
      topics: [topics.events],
      table: EVENTS_TABLE,
      progressSql: EVENTS_PROGRESS_SQL,
      newBuffer: () => new RawEventBuffer(codec),
    });
  }

  async start(): Promise<void> {
    await this.rawEvents.start();
    await this.usage.start();
  }

  async stop(): Promise<void> {
    await this.usage.stop();
    await this.rawEvents.stop();
  }

  /** Writes everything buffered now (used before a period close and in tests). */
  async flush(): Promise<void> {
    await Promise.all([this.usage.flushAll(), this.rawEvents.flushAll()]);
  }
}
