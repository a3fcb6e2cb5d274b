import type { Kafka } from 'kafkajs';
import {
  CorrectionReader,
  DlqProducer,
  EventReader,
  Metrics,
  eventsProgressQuery,
  pipelineNames,
  settledWithin,
  SINK_NAMES,
  usageProgressQuery,
  type AvroCodec,
  type HealthCheck,
  type HealthProblem,
  type Logger,
  type MeterstreamConfig,
  type Topics,
  type Warehouse,
} from '@meterstream/common';
import type { CatalogView } from '@meterstream/domain';
import { DurableSink, type PartitionFailure } from './durable-sink';
import { RawEventBuffer } from './raw-event-sink';
import { storedChanges } from './stored-changes';
import { UsageBuffer } from './usage-sink';

export interface AggregatorDeps {
  config: MeterstreamConfig;
  kafka: Kafka;
  codec: AvroCodec;
  topics: Topics;
  warehouse: Warehouse;
  catalog: CatalogView;
  logger: Logger;
  /** Where the sinks count (platform.metrics); a private one when absent. */
  metrics?: Metrics;
}

/**
 * Windowed usage totals from the meter topics, and the raw event sink from `events`, into ClickHouse.
 * Follows the catalog: a new meter's topic is consumed as soon as the meter appears.
 */
export class Aggregator implements HealthCheck {
  readonly name = 'aggregator';
  private readonly usage: DurableSink;
  private readonly rawEvents: DurableSink;
  private readonly dlq: DlqProducer;
  private readonly unsubscribe: () => void;

  constructor(deps: AggregatorDeps) {
    const { config, kafka, codec, topics, warehouse, catalog, logger } = deps;
    const meterTopics = () => catalog.list('meters').map((m) => topics.meter(m.id));
    const windowMs = config.aggregator.windowSeconds * 1000;
    const names = pipelineNames(config.kafka.topicPrefix);
    this.dlq = new DlqProducer(kafka, topics.eventsDlq);
    const storedEvents = new EventReader(warehouse);
    const stored = storedChanges(warehouse);
    const storedCorrections = new CorrectionReader(warehouse);
    const backfillMaxAgeMs = config.backfill.maxAgeDays * 86_400_000;
    const common = {
      kafka,
      warehouse,
      deadLetter: this.dlq.send.bind(this.dlq),
      flushIntervalMs: config.aggregator.flushIntervalMs,
      flushMaxRecords: config.aggregator.flushMaxRecords,
      dataErrorRetryMs: config.aggregator.dataErrorRetryMs,
      degradedAfterMs: config.aggregator.degradedAfterMs,
      metrics: deps.metrics ?? new Metrics({ processMetrics: false }),
    };
    this.usage = new DurableSink({
      ...common,
      name: SINK_NAMES.usage,
      logger: logger.child({ sink: SINK_NAMES.usage }),
      groupId: names.aggregatorGroup,
      topics: meterTopics(),
      progressQuery: usageProgressQuery,
      newBuffer: () => new UsageBuffer(codec, (id) => catalog.get('meters', id)?.aggregation.type, windowMs, stored),
    });
    this.rawEvents = new DurableSink({
      ...common,
      name: SINK_NAMES.rawEvents,
      logger: logger.child({ sink: SINK_NAMES.rawEvents }),
      groupId: names.rawEventSinkGroup,
      topics: [topics.events],
      progressQuery: eventsProgressQuery,
      newBuffer: () =>
        new RawEventBuffer(codec, {
          stored: (events) => storedEvents.knownEvents(events),
          storedCorrections: (refs) => storedCorrections.knownCorrections(refs),
          backfillMaxAgeMs,
        }),
    });
    this.unsubscribe = catalog.onChange('meters', () => {
      this.usage.updateTopics(meterTopics()).catch((err) => logger.error({ err }, 'could not follow the new meter topics'));
    });
  }

  async start(): Promise<void> {
    await this.dlq.start();
    await this.rawEvents.start();
    await this.usage.start();
  }

  /** Stops both sinks side by side, each within SINK_STOP_BUDGET_MS, then the DLQ producer. */
  async stop(): Promise<void> {
    this.unsubscribe();
    await Promise.all([this.usage.stop(), this.rawEvents.stop()]);
    await settledWithin(this.dlq.stop(), 1000);
  }

  /** Partitions of either sink whose flush has been failing for at least AGGREGATOR_DEGRADED_AFTER_MS. */
  problems(): HealthProblem[] {
    const problem = (sink: string) => (f: PartitionFailure): HealthProblem => ({
      check: this.name,
      reason: `${sink} sink: flush of ${f.topic} partition ${f.partition} failing: ${f.error.slice(0, 300)}`,
      topic: f.topic,
      partition: f.partition,
      since: new Date(f.since).toISOString(),
    });
    return [...this.usage.health().map(problem('usage')), ...this.rawEvents.health().map(problem('raw event'))];
  }

  /** Writes everything buffered now (used before a period close and in tests). */
  async flush(): Promise<void> {
    await Promise.all([this.usage.flushAll(), this.rawEvents.flushAll()]);
  }
}
