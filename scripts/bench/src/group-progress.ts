// The end of bench-router's measurement, shared by the router and its Kafka Streams peer: poll a consumer
// group's committed offsets on the events topic every 100 ms (from the benchmark process, so the poll
// costs the measured process nothing) until they reach the topic's high watermark on every partition.
import type { Admin } from 'kafkajs';
import { sleep } from './report';

/** The group did not catch up (failed, timed out or stalled), with the events committed by then. */
export class CatchUpError extends Error {
  constructor(
    message: string,
    readonly progress: bigint,
    readonly elapsedMs: number,
  ) {
    super(message);
  }
}

export interface CatchUpWatch {
  /** Who is measured, for messages ("router", "Kafka Streams peer"). */
  who: string;
  groupId: string;
  topic: string;
  /** The topic's high watermark per partition. */
  ends: Map<number, bigint>;
  /** When the measured process started its work (epoch ms). */
  startedAt: number;
  timeoutMs: number;
  stallMs: number;
  /** A reason to stop waiting (the process died or will not go on), checked at every poll. */
  failure: () => string | undefined;
  /** More to say when giving up on a timeout or a stall. */
  detail?: () => string;
}

/** Waits until the group committed `ends` on every partition; returns the time it was seen (epoch ms). */
export async function awaitCommitted(admin: Admin, watch: CatchUpWatch): Promise<number> {
  const deadline = Date.now() + watch.timeoutMs;
  let progress = 0n;
  let lastMove = Date.now();
  for (;;) {
    const [committed] = await admin.fetchOffsets({ groupId: watch.groupId, topics: [watch.topic] });
    let sum = 0n;
    const behind = [...watch.ends].filter(([partition, high]) => {
      const c = committed.partitions.find((p) => p.partition === partition);
      const offset = c && BigInt(c.offset) > 0n ? BigInt(c.offset) : 0n;
      sum += offset;
      return offset < high;
    });
    if (sum > progress) {
      progress = sum;
      lastMove = Date.now();
    }
    if (behind.length === 0) return Date.now();
    const elapsedMs = Date.now() - watch.startedAt;
    const elapsed = `${(elapsedMs / 1000).toFixed(0)} s`;
    const failure = watch.failure();
    if (failure) throw new CatchUpError(`${failure} (after ${elapsed}, ${progress} events committed)`, progress, elapsedMs);
    if (Date.now() > deadline || Date.now() - lastMove > watch.stallMs) {
      const why = Date.now() > deadline ? `did not catch up within ${watch.timeoutMs / 60000} min` : `made no progress for ${watch.stallMs / 60000} min`;
      throw new CatchUpError(`${watch.who} ${why} (after ${elapsed}, ${progress} events committed${watch.detail?.() ?? ''})`, progress, elapsedMs);
    }
    await sleep(100);
  }
}
