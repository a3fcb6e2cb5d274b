import { ProduceAcks, Producer, compatibilityPartitioner } from '@platformatic/kafka';
import type { MeterstreamConfig } from '@meterstream/common';

/** One record for the `events` topic: key the customer id, value the Avro bytes. */
export interface EventRecord {
  key: string;
  value: Buffer;
}

/** What the gateway needs of a Kafka producer: send with acks=all, resolve once acknowledged. */
export interface EventProducer {
  send(topic: string, records: readonly EventRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** How long close() may wait for the client before it lets go (the process is stopping anyway). */
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * The gateway's producer, on @platformatic/kafka: idempotent (which makes acks=all), partitioned like
 * the Java client and kafkajs (murmur2 of the key, sign bit masked) so an event's customer lands on the
 * same partition whoever produced it, and bounded retries so that a request facing an unavailable
 * Kafka fails within seconds with 503 instead of hanging (the client resends; repeats are dropped by
 * event id). It replaced kafkajs on this path after docs/benchmarks.md measured it at 3.3 times the
 * records per second; the rest of the pipeline (transactions, consumer groups) stays on kafkajs.
 *
 * Sends are chained, one after the other: concurrent send() calls on an idempotent producer of
 * @platformatic/kafka 1.35 can fail with OUT_OF_ORDER_SEQUENCE_NUMBER (tried). The EventPublisher
 * merges the requests that arrive meanwhile into the next send, so one send at a time costs nothing.
 */
export function createEventProducer(config: MeterstreamConfig): EventProducer {
  const producer = new Producer({
    clientId: `${config.kafka.clientId}-gateway`,
    bootstrapBrokers: config.kafka.brokers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    partitioner: compatibilityPartitioner,
    timeout: 5000,
    retries: 3,
    retryDelay: 500,
  });
  let chain: Promise<unknown> = Promise.resolve();
  return {
    send(topic, records) {
      const messages = records.map((r) => ({ topic, key: Buffer.from(r.key), value: r.value }));
      const sent = chain.then(() => producer.send({ messages }));
      chain = sent.catch(() => undefined);
      return sent.then(() => undefined);
    },
    async close() {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([chain, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)))]);
      await Promise.race([producer.close().catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)))]);
      clearTimeout(timer);
    },
  };
}
