import { Partitioners, type Consumer, type EachBatchPayload, type Kafka, type Message, type Producer, type TopicMessages } from 'kafkajs';
import { dlqMessage, ensureTopics, invalidEvent, type AvroCodec, type CatalogLog, type Logger, type MeterstreamConfig, type Topics, type UsageEvent } from '@meterstream/common';
import { restoreDedupWindow } from './dedup-changelog';
import type { DedupWindow } from './dedup-window';
import { extractMeterRecord } from './record-extractor';
import { MeterIndex } from './meter-index';

export interface MeterRouterDeps {
  config: MeterstreamConfig;
  kafka: Kafka;
  codec: AvroCodec;
  topics: Topics;
  catalog: CatalogLog;
  logger: Logger;
  groupId: string;
}

/**
 * Consumes `events`, produces one MeterRecord per matching meter to `meter.<id>`, and sends records it
 * cannot decode or use to `events.dlq`. Each input batch is one Kafka transaction that also carries the
 * consumer offsets, so a crash at any point neither loses nor duplicates output (downstream reads
 * read_committed). One transactional producer per input partition (transactional id derived from
 * group, topic and partition) keeps zombie fencing correct across rebalances.
 *
 * Every event id counts once: ids already routed from a partition (within ROUTER_DEDUP_WINDOW_MINUTES
 * of event time) are dropped, and the ids a batch routes are written to the deduplication changelog in
 * the same transaction (see dedup-changelog.ts). Events older than the window go to the DLQ
 * (EVENT_OUTSIDE_DEDUP_WINDOW): they could be repeats the router no longer remembers.
 *
 * Meters come from the live catalog. Before routing a batch the router applies every catalog change
 * written before that moment, so a meter applies to every event accepted after its create call
 * returned. Archived meters stop matching the same way.
 */
export class MeterRouter {
  private readonly consumer: Consumer;
  private readonly producers = new Map<number, Promise<Producer>>();
  private index: MeterIndex;
  private readonly unsubscribe: () => void;
  /** Deduplication windows of the partitions this instance owns; restored lazily after each rebalance. */
  private readonly windows = new Map<number, Promise<DedupWindow>>();
  private readonly windowMs: number;

  constructor(private readonly deps: MeterRouterDeps) {
    const store = deps.catalog.store;
    this.index = new MeterIndex(store.list('meters'));
    this.unsubscribe = store.onChange('meters', () => (this.index = new MeterIndex(store.list('meters'))));
    this.windowMs = deps.config.router.dedupWindowMinutes * 60000;
    this.consumer = deps.kafka.consumer({ groupId: deps.groupId, readUncommitted: false, maxBytesPerPartition: 2 * 1024 * 1024, maxWaitTimeInMs: 250, sessionTimeout: 10000, heartbeatInterval: 1000 });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => this.windows.clear());
  }

  async start(): Promise<void> {
    const { topics, kafka, config } = this.deps;
    const admin = kafka.admin();
    await admin.connect();
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [topics.events] });
      await ensureTopics(admin, [
        {
          topic: topics.routerDedup,
          numPartitions: metadata.topics[0].partitions.length,
          replicationFactor: config.kafka.replicationFactor,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact,delete' },
            { name: 'retention.ms', value: String(2 * this.windowMs) },
          ],
        },
      ]);
    } finally {
      await admin.disconnect();
    }
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: topics.events, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.routeBatch(payload),
    });
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    await this.consumer.disconnect();
    for (const producer of this.producers.values()) await (await producer).disconnect().catch(() => undefined);
    this.producers.clear();
  }

  private producerFor(partition: number): Promise<Producer> {
    let producer = this.producers.get(partition);
    if (!producer) {
      producer = (async () => {
        const p = this.deps.kafka.producer({
          transactionalId: `${this.deps.groupId}.${this.deps.topics.events}.${partition}`,
          idempotent: true,
          maxInFlightRequests: 1,
          createPartitioner: Partitioners.DefaultPartitioner,
          retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5000 },
        });
        await p.connect();
        return p;
      })();
      producer.catch(() => this.producers.delete(partition));
      this.producers.set(partition, producer);
    }
    return producer;
  }

  private windowFor(partition: number): Promise<DedupWindow> {
    let window = this.windows.get(partition);
    if (!window) {
      window = this.producerFor(partition).then((producer) =>
        restoreDedupWindow(this.deps.kafka, producer, this.deps.topics.routerDedup, partition, this.windowMs, this.deps.logger),
      );
      window.catch(() => this.windows.delete(partition));
      this.windows.set(partition, window);
    }
    return window;
  }

  private async routeBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const log = this.deps.logger.child({ partition: batch.partition });
    await this.deps.catalog.waitUntilCaughtUp(['meters']);
    const index = this.index;
    const window = await this.windowFor(batch.partition);
    const now = Date.now();
    window.expire(now);
    const routed = new Map<string, number>();
    const encoders = new Map<string, (record: unknown) => Buffer>();
    const changelog: Message[] = [];
    const out = new Map<string, Message[]>();
    const push = (topic: string, message: Message) => {
      const list = out.get(topic) ?? [];
      list.push(message);
      out.set(topic, list);
    };
    for (const message of batch.messages) {
      const source = { topic: batch.topic, partition: batch.partition, offset: message.offset, key: message.key, value: message.value, headers: message.headers, timestamp: message.timestamp };
      const decoded = await this.deps.codec.decodeAs<UsageEvent>(message.value, 'usage-event');
      if (!decoded.ok) {
        push(this.deps.topics.eventsDlq, dlqMessage(source, 'UNDECODABLE', decoded.reason));
        continue;
      }
      const event = decoded.value;
      const invalid = invalidEvent(event);
      if (invalid) {
        push(this.deps.topics.eventsDlq, dlqMessage(source, 'INVALID_EVENT', invalid));
        continue;
      }
      if (window.has(event.event_id) || routed.has(event.event_id)) continue; // a repeat: counted already
      if (window.isTooOld(event.timestamp, now)) {
        const reason = `event time ${new Date(event.timestamp).toISOString()} is older than the ${this.windowMs / 60000}-minute deduplication window`;
        push(this.deps.topics.eventsDlq, dlqMessage(source, 'EVENT_OUTSIDE_DEDUP_WINDOW', reason));
        continue;
      }
      routed.set(event.event_id, event.timestamp);
      changelog.push({ partition: batch.partition, key: event.event_id, value: String(event.timestamp) });
      for (const meter of index.match(event)) {
        const extraction = extractMeterRecord(meter, event);
        if (!extraction.ok) {
          push(this.deps.topics.eventsDlq, dlqMessage(source, extraction.code, extraction.reason));
          continue;
        }
        const topic = this.deps.topics.meter(meter.id);
        let encode = encoders.get(topic);
        if (!encode) {
          await this.deps.codec.register(topic, 'meter-record');
          encode = await this.deps.codec.encoderFor(topic);
          encoders.set(topic, encode);
        }
        push(topic, { key: event.customer_id, value: encode(extraction.record) });
      }
    }
    const lastOffset = batch.messages[batch.messages.length - 1].offset;
    const producer = await this.producerFor(batch.partition);
    if (changelog.length > 0) out.set(this.deps.topics.routerDedup, changelog);
    const topicMessages: TopicMessages[] = [...out].map(([topic, messages]) => ({ topic, messages }));
    const tx = await producer.transaction();
    try {
      if (topicMessages.length > 0) await tx.sendBatch({ topicMessages, acks: -1 });
      await tx.sendOffsets({
        consumerGroupId: this.deps.groupId,
        topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(lastOffset) + 1n).toString() }] }],
      });
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      // A producer whose transaction failed (broker restart, coordinator moved) may be left in a state
      // where every later transaction fails too: start over with a new one, which also fences anew.
      this.producers.delete(batch.partition);
      await producer.disconnect().catch(() => undefined);
      log.warn({ err }, 'routing transaction failed; the batch will be retried with a new producer');
      throw err;
    }
    for (const [id, timestamp] of routed) window.add(id, timestamp);
    resolveOffset(lastOffset);
    await heartbeat();
    log.debug({ records: batch.messages.length, out: topicMessages.length }, 'batch routed');
  }
}

