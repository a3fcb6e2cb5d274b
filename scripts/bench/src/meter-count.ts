// bench-router's check of a fan-out: the records of a set of meter topics, counted per topic by a
// read_committed consumer (transaction markers and aborted records excluded), with a digest of their
// contents per topic that does not depend on order, so that two routers' outputs can be compared.
import type { Admin, Kafka } from 'kafkajs';
import { MiB, sleep } from './report';

export interface Counted {
  total: number;
  perTopic: Map<string, number>;
  /** Per topic, the sum mod 2^32 of recordHash over its records (a multiset digest: order does not count). */
  digests: Map<string, number>;
  seconds: number;
}

/**
 * FNV-1a (32 bits) of a record's key and its value past the 5-byte Confluent header, so that the same
 * MeterRecord under another schema id (another registry subject) hashes the same.
 */
export function recordHash(key: Buffer | null, value: Buffer | null): number {
  let h = 0x811c9dc5;
  const add = (bytes: Buffer, from: number) => {
    for (let i = from; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  };
  if (key) add(key, 0);
  h = Math.imul(h ^ 0x100, 0x01000193); // a separator no byte equals
  if (value) add(value, Math.min(5, value.length));
  return h >>> 0;
}

/**
 * Reads `topics` from the beginning in a group of its own (`groupId`, deleted afterwards). Done once
 * `expected` records arrived and nothing more came for 2 s, or nothing came for 20 s.
 */
export async function countRecords(kafka: Kafka, admin: Admin, groupId: string, topics: string[], expected: number): Promise<Counted> {
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxBytes: 64 * MiB, maxBytesPerPartition: 16 * MiB, maxWaitTimeInMs: 200 });
  const perTopic = new Map(topics.map((t) => [t, 0]));
  const digests = new Map(topics.map((t) => [t, 0]));
  let total = 0;
  let lastProgress = Date.now();
  let joined = false;
  const t0 = performance.now();
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
    lastProgress = Date.now();
  });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 1,
    eachBatch: async ({ batch }) => {
      perTopic.set(batch.topic, (perTopic.get(batch.topic) ?? 0) + batch.messages.length);
      let digest = digests.get(batch.topic) ?? 0;
      for (const message of batch.messages) digest = (digest + recordHash(message.key, message.value)) >>> 0;
      digests.set(batch.topic, digest);
      total += batch.messages.length;
      if (batch.messages.length > 0) lastProgress = Date.now();
    },
  });
  for (;;) {
    await sleep(250);
    const quiet = Date.now() - lastProgress;
    if (joined && ((total >= expected && quiet > 2000) || quiet > 20000)) break;
  }
  await consumer.disconnect();
  await admin.deleteGroups([groupId]).catch(() => undefined);
  return { total, perTopic, digests, seconds: (performance.now() - t0) / 1000 };
}
