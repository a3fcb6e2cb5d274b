import type { Kafka, Producer } from 'kafkajs';
import { readToEnd, type Logger } from '@meterstream/common';
import { DedupWindow } from '@meterstream/domain';

/** Key of the restore sentinel; never an event key (an eventKey starts with a digit). */
export const SENTINEL_KEY = '\u0000restore';

/**
 * Header of every changelog record keyed by eventKey (customer and event id). Records without it were
 * written before events were identified per customer: their key is the event id alone.
 */
export const DEDUP_KEY_HEADERS = { 'dedup-key': 'customer-event' };

/**
 * The router's deduplication state is a changelog topic with the same partition count as `events`:
 * the events routed from events partition p (keyed by eventKey: customer and event id) are written to
 * changelog partition p, in the same Kafka
 * transaction as the routed records and the consumer offsets. After a crash or a rebalance, the new
 * owner of p first commits a sentinel record to changelog partition p through p's transactional
 * producer (which fences any older owner), then reads the partition back up to that sentinel
 * (read_committed): it then knows every event that was ever committed for p, and none that was aborted.
 */
export async function restoreDedupWindow(
  kafka: Kafka,
  producer: Producer,
  topic: string,
  partition: number,
  windowMs: number,
  logger: Logger,
): Promise<DedupWindow> {
  const tx = await producer.transaction();
  let sentinel: bigint;
  try {
    const [meta] = await tx.send({ topic, acks: -1, messages: [{ partition, key: SENTINEL_KEY, value: String(Date.now()) }] });
    sentinel = BigInt(meta.baseOffset ?? meta.offset ?? '0');
    await tx.commit();
  } catch (err) {
    await tx.abort().catch(() => undefined);
    throw err;
  }

  const window = new DedupWindow(windowMs);
  const now = Date.now();
  const started = now;
  await readToEnd(kafka, {
    topic,
    ends: new Map([[partition, sentinel + 1n]]),
    purpose: `restore.${partition}`,
    maxBytesPerPartition: 8 * 1024 * 1024,
    eachMessage: (message) => {
      const key = message.key?.toString();
      if (!key || key === SENTINEL_KEY || !message.value) return;
      const timestamp = Number(message.value.toString());
      if (window.isTooOld(timestamp, now)) return;
      if (message.headers?.['dedup-key']?.toString() === DEDUP_KEY_HEADERS['dedup-key']) window.add(key, timestamp);
      else window.addLegacyId(key, timestamp);
    },
  });
  logger.info({ partition, ids: window.size, ms: Date.now() - started }, 'deduplication window restored');
  return window;
}
