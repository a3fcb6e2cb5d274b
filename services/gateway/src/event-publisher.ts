import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { MeterstreamError, type AvroCodec, type Topics, type UsageEvent } from '@meterstream/common';

/**
 * The gateway's producer: idempotent, acks=all, and bounded retries so that a request facing an
 * unavailable Kafka fails within seconds with 503 instead of hanging (the client resends; repeats are
 * dropped by event id).
 */
export function createEventProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
  });
}

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
