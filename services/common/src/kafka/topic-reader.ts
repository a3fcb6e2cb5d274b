import type { Kafka, KafkaMessage } from 'kafkajs';
import { privateGroupId } from '../names';

/** How long a read to the end may take by default (a transaction open at the start must end first). */
export const READ_TO_END_TIMEOUT_MS = 120_000;

/** A partition was not read to the offset it had to reach in time; says which, how far it got and why that may be. */
export class TopicReadTimeoutError extends Error {
  constructor(
    readonly topic: string,
    readonly behind: { partition: number; position: bigint; target: bigint }[],
    readonly timeoutMs: number,
  ) {
    const where = behind.map((b) => `partition ${b.partition} at ${b.position} of ${b.target}`).join(', ');
    super(
      `${topic} not read to its end within ${timeoutMs} ms (${where}): ` +
        'a transaction left open on the topic holds back read_committed readers, or the broker is unreachable',
    );
    this.name = 'TopicReadTimeoutError';
  }
}

/**
 * Positions read so far, per topic partition, and promises that resolve once a position reaches an
 * offset. A position is the next offset to read; it may pass records a reader never sees (transaction
 * markers, aborted records), which is why readers advance it from the batch's last offset.
 */
export class ReadPositions {
  private readonly positions = new Map<string, bigint>();
  private waiters: { key: string; offset: bigint; resolve: () => void }[] = [];

  position(topic: string, partition: number): bigint {
    return this.positions.get(key(topic, partition)) ?? 0n;
  }

  /** Moves a position forward (never back) and resolves the waiters it reached. */
  advance(topic: string, partition: number, next: bigint): void {
    const k = key(topic, partition);
    if (next <= (this.positions.get(k) ?? 0n)) return;
    this.positions.set(k, next);
    const ready = this.waiters.filter((w) => w.key === k && w.offset <= next);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }

  /**
   * Resolves once every partition in `targets` has been read up to its offset (exclusive); rejects with
   * a TopicReadTimeoutError naming the partitions behind after `timeoutMs`.
   */
  waitFor(topic: string, targets: ReadonlyMap<number, bigint>, timeoutMs: number): Promise<void> {
    const pending = [...targets].filter(([partition, offset]) => offset > this.position(topic, partition));
    if (pending.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let left = pending.length;
      const mine: typeof this.waiters = [];
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => !mine.includes(w));
        const behind = pending
          .map(([partition, target]) => ({ partition, position: this.position(topic, partition), target }))
          .filter((b) => b.position < b.target);
        reject(new TopicReadTimeoutError(topic, behind, timeoutMs));
      }, timeoutMs);
      // Cleared on success; on any other way out the reader is gone, and the timer must not keep the process up.
      timer.unref();
      for (const [partition, offset] of pending) {
        mine.push({
          key: key(topic, partition),
          offset,
          resolve: () => {
            if (--left > 0) return;
            clearTimeout(timer);
            resolve();
          },
        });
      }
      this.waiters.push(...mine);
    });
  }
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** The offsets a reader must reach to have read every record a topic holds now: partitions holding none are left out. */
export async function currentEnds(kafka: Kafka, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) throw new Error(`topic ${topic} does not exist (is TOPIC_PREFIX right?)`);
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
  } finally {
    await admin.disconnect();
  }
}

export interface ReadToEndOptions {
  topic: string;
  /** Offset to reach per partition (exclusive); partitions left out are not read. Default: currentEnds. */
  ends?: ReadonlyMap<number, bigint>;
  /** Names the reader's private consumer group. */
  purpose: string;
  timeoutMs?: number;
  maxBytesPerPartition?: number;
  /** Called for each committed record below the end, in offset order per partition. */
  eachMessage(message: KafkaMessage, partition: number): Promise<void> | void;
}

/**
 * Reads a topic read_committed from its beginning up to fixed end offsets, then stops: how a changelog
 * (issued invoices, routed event ids, the DLQ) is replayed into memory. Fails loudly with a
 * TopicReadTimeoutError when the end is not reached within the timeout, instead of waiting forever
 * behind a transaction nobody ends.
 */
export async function readToEnd(kafka: Kafka, options: ReadToEndOptions): Promise<void> {
  const { topic, timeoutMs = READ_TO_END_TIMEOUT_MS } = options;
  const ends = options.ends ?? (await currentEnds(kafka, topic));
  if ([...ends.values()].every((end) => end <= 0n)) return;
  const positions = new ReadPositions();
  const consumer = kafka.consumer({
    groupId: privateGroupId(`${topic}.${options.purpose}`),
    readUncommitted: false,
    maxWaitTimeInMs: 100,
    ...(options.maxBytesPerPartition ? { maxBytesPerPartition: options.maxBytesPerPartition } : {}),
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const crashed = new Promise<never>((_, reject) => {
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) reject(payload.error);
      });
    });
    // Emitted after every fetched batch, also one holding only transaction markers: its lastOffset counts
    // those markers, which eachBatch never sees.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => positions.advance(topic, payload.partition, BigInt(payload.lastOffset) + 1n));
    const running = consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const end = ends.get(batch.partition);
        if (end === undefined) return;
        for (const message of batch.messages) {
          if (BigInt(message.offset) >= end) break;
          await options.eachMessage(message, batch.partition);
        }
      },
    });
    await Promise.race([positions.waitFor(topic, ends, timeoutMs), crashed, running.then(() => new Promise<never>(() => undefined))]);
  } finally {
    await consumer.disconnect();
  }
}
