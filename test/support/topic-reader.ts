import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';

export interface ReadRecord<T> {
  key: string | null;
  value: T;
  partition: number;
  offset: string;
  headers: KafkaMessage['headers'];
}

/**
 * Reads a topic from the beginning with a plain kafkajs consumer (read_committed) and decodes values
 * through the schema registry, until `count` records arrived or `timeoutMs` passed.
 */
export async function readTopic<T>(
  brokers: string[],
  registryUrl: string,
  topic: string,
  count: number,
  { timeoutMs = 60000, decode = true }: { timeoutMs?: number; decode?: boolean } = {},
): Promise<ReadRecord<T>[]> {
  const kafka = new Kafka({ clientId: 'test-reader', brokers, logLevel: logLevel.NOTHING });
  const registry = new SchemaRegistry({ host: registryUrl });
  const consumer = kafka.consumer({ groupId: `reader-${Date.now()}-${Math.random()}`, readUncommitted: false });
  const records: ReadRecord<T>[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${records.length} of ${count} records from ${topic}`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const value = decode ? ((await registry.decode(message.value!)) as T) : (message.value as unknown as T);
          records.push({ key: message.key?.toString() ?? null, value, partition, offset: message.offset, headers: message.headers });
          if (records.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}
