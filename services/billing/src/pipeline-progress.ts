import type { Admin } from 'kafkajs';
import { sinkProgressQuery, SINK_NAMES, type Topics, type Warehouse } from '@meterstream/common';

/** A meter-topic partition the aggregator has not made durable up to the end billing waits for. */
export interface PartitionLag {
  topic: string;
  partition: number;
  /** Offsets made durable (sink_progress). */
  durable: bigint;
  /** The end of the partition when billing looked, which it waits for. */
  end: bigint;
}

export interface CatchUpOptions {
  timeoutMs: number;
  pollMs?: number;
  /** Called each time more meter topics have caught up, with all caught up so far (first: maybe none). */
  onCaughtUp(topics: ReadonlySet<string>): Promise<void>;
  /** Gives up at once when true (billing is stopping). */
  stopped(): boolean;
}

/**
 * "Has the pipeline applied everything Kafka held at this moment?", per meter topic. Billing asks
 * before closing a period: first the router must have committed past the current end of `events`,
 * then, for each meter topic, the aggregator must have made durable (sink_progress) everything up to
 * the then-current end of each of its partitions. A meter topic that has caught up is announced at
 * once, so the periods that use only such meters close while another meter is still behind.
 */
export class PipelineProgress {
  constructor(
    private readonly admin: Admin,
    private readonly warehouse: Warehouse,
    private readonly topics: Topics,
    private readonly routerGroupId: string,
  ) {}

  /**
   * Waits for `meterTopics` to catch up with the current ends, announcing them as they do; resolves
   * with the partitions still behind after `timeoutMs` (none: everything caught up). While the router
   * is behind, no topic is caught up and the lag is reported as empty.
   */
  async catchUp(meterTopics: readonly string[], options: CatchUpOptions): Promise<PartitionLag[]> {
    const deadline = Date.now() + options.timeoutMs;
    const pollMs = options.pollMs ?? 200;
    const wait = async () => {
      if (Date.now() > deadline || options.stopped()) return false;
      await new Promise((r) => setTimeout(r, pollMs));
      return true;
    };
    const eventEnds = await this.admin.fetchTopicOffsets(this.topics.events);
    while (!(await this.routerPast(eventEnds))) if (!(await wait())) return [];
    const ends: { topic: string; partition: number; end: bigint }[] = [];
    for (const topic of meterTopics) {
      for (const p of await this.admin.fetchTopicOffsets(topic)) {
        if (BigInt(p.high) > 0n) ends.push({ topic, partition: p.partition, end: BigInt(p.high) });
      }
    }
    const caughtUp = new Set<string>();
    for (let announced = -1; ; ) {
      const lags = await this.lags(meterTopics, ends);
      for (const topic of meterTopics) if (!lags.some((l) => l.topic === topic)) caughtUp.add(topic);
      if (caughtUp.size > announced) {
        announced = caughtUp.size;
        await options.onCaughtUp(caughtUp);
      }
      if (lags.length === 0 || !(await wait())) return lags;
    }
  }

  private async routerPast(ends: { partition: number; high: string }[]): Promise<boolean> {
    const [committed] = await this.admin.fetchOffsets({ groupId: this.routerGroupId, topics: [this.topics.events] });
    return ends.every((end) => {
      if (BigInt(end.high) === 0n) return true;
      const c = committed?.partitions.find((p) => p.partition === end.partition);
      return c !== undefined && BigInt(c.offset) >= BigInt(end.high);
    });
  }

  private async lags(topics: readonly string[], ends: { topic: string; partition: number; end: bigint }[]): Promise<PartitionLag[]> {
    if (ends.length === 0) return [];
    const { query, params } = sinkProgressQuery(SINK_NAMES.usage, topics);
    const rows = await this.warehouse.query<{ topic: string; partition: number; durable: string }>(query, params);
    const durable = new Map(rows.map((r) => [`${r.topic}\u0000${Number(r.partition)}`, BigInt(r.durable)]));
    return ends
      .map(({ topic, partition, end }) => ({ topic, partition, end, durable: durable.get(`${topic}\u0000${partition}`) ?? 0n }))
      .filter((p) => p.durable < p.end);
  }
}
