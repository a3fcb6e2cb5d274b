import type { Producer } from 'kafkajs';
import { MeterstreamError, type AvroCodec, type Topics, type UsageEvent } from '@meterstream/common';

/**
 * Publishes accepted events to `events` as Avro, keyed by customer id, with an idempotent producer and
 * acks=all. Resolves only when Kafka acknowledged every event; otherwise rejects with a retryable
 * EVENT_BUS_UNAVAILABLE.
 */
export class EventPublisher {
  constructor(
    private readonly producer: Producer,
    private readonly codec: AvroCodec,
    private readonly topics: Topics,
  ) {}

  async publish(events: readonly UsageEvent[]): Promise<void> {
    const topic = this.topics.events;
    const messages = await Promise.all(
      events.map(async (event) => ({ key: event.customer_id, value: await this.codec.encode(topic, event) })),
    );
    try {
      await this.producer.send({ topic, acks: -1, messages, timeout: 10000 });
    } catch (err) {
      throw new MeterstreamError('EVENT_BUS_UNAVAILABLE', `events were not accepted by Kafka: ${(err as Error).message}`);
    }
  }
}
