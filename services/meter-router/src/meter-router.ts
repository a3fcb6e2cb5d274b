import { Partitioners, type EachBatchPayload, type Kafka, type Message, type Producer, type TopicMessages } from 'kafkajs';
import { dlqMessage, ensureTopics, Metrics, partitionTransactionalId, SupervisedConsumer, type AvroCodec, type CatalogLog, type Logger, type MeterstreamConfig, type Topics } from '@meterstream/common';
import { decideRoute, MeterIndex, type DedupWindow, type DlqCode, type UsageEvent } from '@meterstream/domain';
import { chunkEntryBytes, chunkRecord, restoreDedupWindow } from './dedup-changelog';

export interface MeterRouterDeps {
  config: MeterstreamConfig;
  kafka: Kafka;
  codec: AvroCodec;
  topics: Topics;
  catalog: CatalogLog;
  logger: Logger;
  groupId: string;
  /** Where it counts routed, repeated and dead-lettered records (platform.metrics); a private one when absent. */
  metrics?: Metrics;
}

/**
 * Consumes `events`, produces one MeterRecord per matching meter to `meter.<id>`, and sends records it
 * cannot decode or use to `events.dlq`. Each input batch is one Kafka transaction that also carries the
 * consumer offsets, so a crash at any point neither loses nor duplicates output (downstream reads
 * read_committed). One transactional producer per input partition (transactional id derived from
 * group, topic and partition) keeps zombie fencing correct across rebalances.
 *
 * What happens to each record (route, drop as a repeat, dead-letter with which code) is decided by
 * decideRoute (services/domain/src/routing/route-decision.ts); this class does the I/O around it. The
 * ids a batch routes are written to the deduplication changelog in the same transaction (see
 * dedup-changelog.ts).
 *
 * Meters come from the live catalog. Before routing a batch the router applies every catalog change
 * written before that moment, so a meter applies to every event accepted after its create call
 * returned. Archived meters stop matching the same way.
 */
export class MeterRouter {
  private readonly consumer: SupervisedConsumer;
  private readonly producers = new Map<number, Promise<Producer>>();
  private index: MeterIndex;
  private readonly unsubscribe: () => void;
  /** Deduplication windows of the partitions this instance owns; restored lazily after each rebalance. */
  private readonly windows = new Map<number, Promise<DedupWindow>>();
  private readonly windowMs: number;
  private readonly backfillMaxAgeMs: number;
  private readonly metrics: Metrics;

  constructor(private readonly deps: MeterRouterDeps) {
    this.metrics = deps.metrics ?? new Metrics({ processMetrics: false });
    const store = deps.catalog.store;
    this.index = new MeterIndex(store.list('meters'));
    this.unsubscribe = store.onChange('meters', () => (this.index = new MeterIndex(store.list('meters'))));
    this.windowMs = deps.config.router.dedupWindowMinutes * 60000;
    this.backfillMaxAgeMs = deps.config.backfill.maxAgeDays * 86_400_000;
    this.consumer = new SupervisedConsumer(
      deps.kafka,
      {
        groupId: deps.groupId,
        readUncommitted: false,
        maxBytesPerPartition: 2 * 1024 * 1024,
        minBytes: deps.config.router.fetchMinBytes,
        maxWaitTimeInMs: deps.config.router.fetchMaxWaitMs,
        sessionTimeout: 10000,
        heartbeatInterval: 1000,
      },
      deps.logger,
    );
    this.consumer.consumer.on(this.consumer.consumer.events.GROUP_JOIN, () => this.windows.clear());
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
    await this.consumer.start([topics.events], {
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.routeBatch(payload),
    });
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    await this.consumer.stop();
    for (const producer of this.producers.values()) await (await producer).disconnect().catch(() => undefined);
    this.producers.clear();
  }

  private producerFor(partition: number): Promise<Producer> {
    let producer = this.producers.get(partition);
    if (!producer) {
      producer = (async () => {
        const p = this.deps.kafka.producer({
          transactionalId: partitionTransactionalId(this.deps.groupId, this.deps.topics.events, partition),
          idempotent: true,
          maxInFlightRequests: 1,
          createPartitioner: Partitioners.DefaultPartitioner,
          // A transaction begun right after the previous commit meets CONCURRENT_TRANSACTIONS while the
          // broker writes the commit markers (milliseconds): retry that soon, as the Java client does,
          // not after the client-wide 200 ms. Longer trouble backs off to 5 s between attempts.
          retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 10, maxRetryTime: 5000 },
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
    const encoders = new Map<string, (record: unknown) => Buffer>();
    let chunk = newChunk();
    const push = (topic: string, message: Message) => {
      const list = chunk.out.get(topic) ?? [];
      list.push(message);
      chunk.out.set(topic, list);
      chunk.records += 1;
      chunk.bytes += (message.value?.length ?? 0) + (typeof message.key === 'string' ? message.key.length : (message.key?.length ?? 0));
    };
    const encoderFor = async (topic: string) => {
      let encode = encoders.get(topic);
      if (!encode) {
        await this.deps.codec.register(topic, 'meter-record');
        encode = await this.deps.codec.encoderFor(topic);
        encoders.set(topic, encode);
      }
      return encode;
    };
    const { topics } = this.deps;
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) return;
      const source = { topic: batch.topic, partition: batch.partition, offset: message.offset, key: message.key, value: message.value, headers: message.headers, timestamp: message.timestamp };
      const decoded = await this.deps.codec.decodeAs<UsageEvent>(message.value, 'usage-event');
      const decision = decideRoute(decoded, {
        window,
        routedInBatch: chunk.routed,
        now,
        recordTime: Number(message.timestamp),
        backfillMaxAgeMs: this.backfillMaxAgeMs,
        matchingMeters: (event) => index.match(event),
        metersNamed: (name) => index.named(name),
      });
      if (decision.kind === 'dead-letter') {
        push(topics.eventsDlq, dlqMessage(source, decision.code, decision.reason));
        countDlq(chunk, decision.code);
      } else if (decision.kind === 'route') {
        const { event, key, rememberUntil } = decision;
        chunk.routed.set(key, rememberUntil);
        chunk.bytes += chunkEntryBytes(key); // written in the chunk's changelog record
        for (const rejected of decision.rejected) {
          push(topics.eventsDlq, dlqMessage(source, rejected.code, rejected.reason));
          countDlq(chunk, rejected.code);
        }
        for (const record of decision.records) {
          const topic = topics.meter(record.meter_id);
          push(topic, { key: event.customer_id, value: (await encoderFor(topic))(record) });
        }
        chunk.meterRecords += decision.records.length;
      } else {
        chunk.repeats += 1; // counted already, dropped
      }
      chunk.lastOffset = message.offset;
      // Cap each transaction: a fetched batch can fan out to more than a broker accepts in one
      // request, or take longer than the session and transaction timeouts.
      if (chunk.records >= MAX_RECORDS_PER_TRANSACTION || chunk.bytes >= MAX_BYTES_PER_TRANSACTION) {
        await this.commitChunk(batch.topic, batch.partition, chunk, window, log);
        resolveOffset(chunk.lastOffset);
        await heartbeat();
        chunk = newChunk();
      }
    }
    if (chunk.lastOffset !== undefined) {
      await this.commitChunk(batch.topic, batch.partition, chunk, window, log);
      resolveOffset(chunk.lastOffset);
      await heartbeat();
    }
  }

  /** One Kafka transaction: the chunk's records, its deduplication ids and the consumer offset after it. */
  private async commitChunk(topic: string, partition: number, chunk: Chunk, window: DedupWindow, log: Logger): Promise<void> {
    const producer = await this.producerFor(partition);
    const topicMessages: TopicMessages[] = [...chunk.out].map(([t, messages]) => ({ topic: t, messages }));
    if (chunk.routed.size > 0) topicMessages.push({ topic: this.deps.topics.routerDedup, messages: [chunkRecord(partition, chunk.lastOffset!, chunk.routed)] });
    const tx = await producer.transaction();
    try {
      if (topicMessages.length > 0) await tx.sendBatch({ topicMessages, acks: -1 });
      await tx.sendOffsets({
        consumerGroupId: this.deps.groupId,
        topics: [{ topic, partitions: [{ partition, offset: (BigInt(chunk.lastOffset!) + 1n).toString() }] }],
      });
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      // A producer whose transaction failed (broker restart, coordinator moved) may be left in a state
      // where every later transaction fails too: start over with a new one, which also fences anew.
      this.producers.delete(partition);
      await producer.disconnect().catch(() => undefined);
      log.warn({ err }, 'routing transaction failed; the batch will be retried with a new producer');
      throw err;
    }
    for (const [key, timestamp] of chunk.routed) window.add(key, timestamp);
    // Counted once committed: what downstream (read_committed) sees.
    const { metrics } = this;
    if (chunk.routed.size > 0) metrics.routerEventsRouted.inc(chunk.routed.size);
    if (chunk.meterRecords > 0) metrics.routerRecordsRouted.inc(chunk.meterRecords);
    if (chunk.repeats > 0) metrics.routerDuplicates.inc(chunk.repeats);
    for (const [code, n] of chunk.dlq) metrics.deadLettered('meter-router', code, n);
    log.debug({ records: chunk.records, through: chunk.lastOffset }, 'chunk routed');
  }

}


/**
 * Output records, and bytes, at most in one routing transaction. The bytes bind first for records of
 * over 52 bytes (a meter record is about 85). 2,000 records, the cap before, made 181 transactions of
 * 50,000 events with 10 meters where 66 do now (scripts/bench-router.js: 6,398 instead of 5,784
 * events/s). 512 KiB keeps every partition's record batch under the broker's default
 * max.message.bytes (1 MiB).
 */
const MAX_RECORDS_PER_TRANSACTION = 10000;
const MAX_BYTES_PER_TRANSACTION = 512 * 1024;

interface Chunk {
  out: Map<string, Message[]>;
  /** Key (eventKey, correctionKey) → until when the window remembers it, for what this chunk routed. */
  routed: Map<string, number>;
  records: number;
  bytes: number;
  lastOffset: string | undefined;
  /** For the metrics: meter records produced, repeats dropped, DLQ records by code. */
  meterRecords: number;
  repeats: number;
  dlq: Map<DlqCode, number>;
}

function newChunk(): Chunk {
  return { out: new Map(), routed: new Map(), records: 0, bytes: 0, lastOffset: undefined, meterRecords: 0, repeats: 0, dlq: new Map() };
}

function countDlq(chunk: Chunk, code: DlqCode): void {
  chunk.dlq.set(code, (chunk.dlq.get(code) ?? 0) + 1);
}
