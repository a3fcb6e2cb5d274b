// Kafka admin steps the benchmarks share: offsets of a topic, waiting for a consumer group to catch
// up, creating a topic, and deleting a run's topics and consumer groups (all named with its prefix).
import type { Admin } from 'kafkajs';
import { sleep } from './report';

/** The sum of a topic's high watermarks (records ever written to it). */
export async function highWatermarkSum(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

/** A topic's high watermark per partition. */
export async function highWatermarks(admin: Admin, topic: string): Promise<Map<number, bigint>> {
  return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
}

export interface Settle {
  seconds: number;
  /** undefined when nothing was waited for. */
  caughtUp: boolean | undefined;
}

/** Waits until `groupId` has committed the end of `topic` (or gives up); returns the seconds waited. */
export async function waitCaughtUp(admin: Admin, groupId: string, topic: string, timeoutS: number): Promise<Settle> {
  const started = Date.now();
  if (timeoutS <= 0) return { seconds: 0, caughtUp: undefined };
  const ends = await admin.fetchTopicOffsets(topic);
  for (;;) {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const behind = ends.filter((end) => {
      const c = committed?.partitions.find((p) => p.partition === end.partition);
      return Number(end.high) > 0 && (!c || Number(c.offset) < Number(end.high));
    });
    if (behind.length === 0) return { seconds: (Date.now() - started) / 1000, caughtUp: true };
    if (Date.now() - started > timeoutS * 1000) return { seconds: (Date.now() - started) / 1000, caughtUp: false };
    await sleep(500);
  }
}

export async function createTopic(admin: Admin, topic: string, partitions: number): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
}

/** Deletes the topics and consumer groups whose names start with `prefix`; returns the topics deleted. */
export async function deleteRunTopics(admin: Admin, prefix: string, timeoutMs = 30000): Promise<{ topics: string[]; groups: number }> {
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (topics.length > 0) await admin.deleteTopics({ topics, timeout: timeoutMs });
  const { groups } = await admin.listGroups();
  const ours = groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
  if (ours.length > 0) await admin.deleteGroups(ours).catch(() => undefined);
  return { topics, groups: ours.length };
}
