import type { Admin } from 'kafkajs';
import { sinkProgressQuery, SINK_NAMES, type Topics, type Warehouse } from '@meterstream/common';
import type { CatalogView } from '@meterstream/domain';

/**
 * "Has the pipeline applied everything Kafka held at this moment?" Billing asks before closing a
 * period: first the router must have committed past the current end of `events`, then the aggregator
 * must have made durable (sink_progress) everything up to the then-current end of every meter topic.
 */
export class PipelineProgress {
  constructor(
    private readonly admin: Admin,
    private readonly warehouse: Warehouse,
    private readonly topics: Topics,
    private readonly catalog: CatalogView,
    private readonly routerGroupId: string,
  ) {}

  /** Resolves true once caught up with the current ends of the topics, false after `timeoutMs`. */
  async waitCaughtUp(timeoutMs: number, pollMs = 200): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const events = this.topics.events;
    const eventEnds = await this.admin.fetchTopicOffsets(events);
    if (!(await this.until(deadline, pollMs, () => this.routerPast(eventEnds)))) return false;
    const meterTopics = this.catalog.list('meters').map((m) => this.topics.meter(m.id));
    if (meterTopics.length === 0) return true;
    const meterEnds = new Map<string, bigint>();
    for (const topic of meterTopics) {
      for (const p of await this.admin.fetchTopicOffsets(topic)) {
        if (BigInt(p.high) > 0n) meterEnds.set(`${topic}\u0000${p.partition}`, BigInt(p.high));
      }
    }
    return this.until(deadline, pollMs, () => this.aggregatorPast(meterTopics, meterEnds));
  }

  private async routerPast(ends: { partition: number; high: string }[]): Promise<boolean> {
    const [committed] = await this.admin.fetchOffsets({ groupId: this.routerGroupId, topics: [this.topics.events] });
    return ends.every((end) => {
      if (BigInt(end.high) === 0n) return true;
      const c = committed?.partitions.find((p) => p.partition === end.partition);
      return c !== undefined && BigInt(c.offset) >= BigInt(end.high);
    });
  }

  private async aggregatorPast(topics: string[], ends: Map<string, bigint>): Promise<boolean> {
    if (ends.size === 0) return true;
    const { query, params } = sinkProgressQuery(SINK_NAMES.usage, topics);
    const rows = await this.warehouse.query<{ topic: string; partition: number; durable: string }>(query, params);
    const durable = new Map(rows.map((r) => [`${r.topic}\u0000${Number(r.partition)}`, BigInt(r.durable)]));
    return [...ends].every(([key, end]) => (durable.get(key) ?? 0n) >= end);
  }

  private async until(deadline: number, pollMs: number, check: () => Promise<boolean>): Promise<boolean> {
    for (;;) {
      if (await check()) return true;
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}
