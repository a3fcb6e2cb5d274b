import type { Kafka, Producer } from 'kafkajs';
import { readToEnd, type Logger } from '@meterstream/common';
import { DedupWindow } from '@meterstream/domain';

/** Key of the restore sentinel; never an event key (an eventKey starts with a digit). */
export const SENTINEL_KEY = '\u0000restore';

/**
 * Header of the changelog records written one per event, keyed by eventKey (customer and event id).
 * Records without a `dedup-key` header were written before events were identified per customer: their
 * key is the event id alone. Both are read back; the router now writes chunk records (below).
 */
export const DEDUP_KEY_HEADERS = { 'dedup-key': 'customer-event' };

/**
 * Header of a chunk record: every key one routing transaction remembers, in one record (value: JSON
 * `[[key, rememberUntil], …]`, key: CHUNK_KEY_PREFIX + the last input offset of the chunk). One record
 * per transaction instead of one per event: the router produces a third fewer records for an event that
 * feeds two meters, and the broker stores and replicates fewer.
 */
export const DEDUP_CHUNK_HEADERS = { 'dedup-key': 'chunk' };
export const CHUNK_KEY_PREFIX = '\u0000chunk:';

/** The changelog record that remembers what one routing transaction routed from `partition`. */
export function chunkRecord(partition: number, lastOffset: string, routed: ReadonlyMap<string, number>): { partition: number; key: string; value: string; headers: typeof DEDUP_CHUNK_HEADERS } {
  return { partition, key: CHUNK_KEY_PREFIX + lastOffset, value: JSON.stringify([...routed]), headers: DEDUP_CHUNK_HEADERS };
}

/** Printable ASCII that JSON writes as it is (no quote, no backslash). */
const PLAIN_JSON_TEXT = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * At least the bytes a key adds to its chunk record's value: the key as JSON text in UTF-8, plus
 * brackets, commas and a time of up to 14 digits. Exact for any key (control characters become
 * `\u00XX`, others take up to 3 bytes), so that the transaction's byte cap also bounds the chunk record
 * under the broker's max.message.bytes whatever a direct producer put in its ids.
 */
export function chunkEntryBytes(key: string): number {
  return (PLAIN_JSON_TEXT.test(key) ? key.length + 2 : Buffer.byteLength(JSON.stringify(key))) + 18;
}

/**
 * The router's deduplication state is a changelog topic with the same partition count as `events`:
 * the keys of the events routed from events partition p (eventKey: customer and event id) are written
 * to changelog partition p, one chunk record per transaction, in the same Kafka transaction as the
 * routed records and the consumer offsets. After a crash or a rebalance, the new
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
      const kind = message.headers?.['dedup-key']?.toString();
      if (kind === DEDUP_CHUNK_HEADERS['dedup-key']) {
        for (const [chunkKey, timestamp] of JSON.parse(message.value.toString()) as [string, number][]) {
          if (!window.isTooOld(timestamp, now)) window.add(chunkKey, timestamp);
        }
        return;
      }
      const timestamp = Number(message.value.toString());
      if (window.isTooOld(timestamp, now)) return;
      if (kind === DEDUP_KEY_HEADERS['dedup-key']) window.add(key, timestamp);
      else window.addLegacyId(key, timestamp);
    },
  });
  logger.info({ partition, ids: window.size, ms: Date.now() - started }, 'deduplication window restored');
  return window;
}
