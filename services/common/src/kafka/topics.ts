import type { ITopicConfig } from 'kafkajs';
import type { MeterstreamConfig } from '../config';

/** Topic names, all under the configured prefix. */
export class Topics {
  constructor(private readonly config: MeterstreamConfig) {}

  private name(base: string): string {
    return `${this.config.kafka.topicPrefix}${base}`;
  }

  get events(): string {
    return this.name('events');
  }

  get eventsDlq(): string {
    return this.name('events.dlq');
  }

  get invoices(): string {
    return this.name('invoices');
  }

  /** Compacted topic holding one kind of catalog object, keyed by id. */
  catalog(kind: string): string {
    return this.name(`catalog.${kind}`);
  }

  /** The router's deduplication changelog: event ids already routed, per `events` partition. */
  get routerDedup(): string {
    return this.name('meter-router.dedup');
  }

  meter(meterId: string): string {
    return this.name(`meter.${meterId}`);
  }

  compactedSpec(topic: string): ITopicConfig {
    return {
      topic,
      numPartitions: 1,
      replicationFactor: this.config.kafka.replicationFactor,
      configEntries: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'min.compaction.lag.ms', value: '60000' },
      ],
    };
  }

  spec(topic: string): ITopicConfig {
    return {
      topic,
      numPartitions: this.config.kafka.partitions,
      replicationFactor: this.config.kafka.replicationFactor,
    };
  }
}
