import { Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import type { AvroCodec } from '../avro/avro-codec';
import { CATALOG_KINDS, type CatalogKind, type CatalogObjects } from '@meterstream/domain';
import { IDLE_FETCH_WAIT_MS, SupervisedConsumer } from '../kafka/supervised-consumer';
import { READ_TO_END_TIMEOUT_MS, ReadPositions } from '../kafka/topic-reader';
import { privateGroupId } from '../names';
import type { Topics } from '../kafka/topics';
import type { Logger } from '../logger';
import { CatalogStore } from './catalog-store';

interface CatalogEntry {
  kind: string;
  id: string;
  body: string;
  updated_at: number;
}

/**
 * The catalog's source of truth: one compacted topic per kind (`catalog.meters`, …), keyed by id.
 * Every service reads all of them from the beginning at start (materialize), then follows them live
 * into a CatalogStore. Writes wait until this process has read them back, so a caller sees its own
 * write; `waitUntilCaughtUp` lets a consumer of other topics make sure it applies every catalog change
 * written before now (the router calls it before routing each batch).
 */
export class CatalogLog {
  readonly store = new CatalogStore();
  private readonly consumer: SupervisedConsumer;
  private readonly admin: Admin;
  private producer: Producer | undefined;
  /** Next offset to read, per catalog topic (single partition each). */
  private readonly positions = new ReadPositions();

  constructor(
    private readonly kafka: Kafka,
    private readonly codec: AvroCodec,
    private readonly topics: Topics,
    private readonly logger: Logger,
  ) {
    // A group of its own: every process reads the whole catalog and never commits.
    const groupId = privateGroupId(topics.catalog('reader'));
    this.consumer = new SupervisedConsumer(kafka, { groupId, readUncommitted: false, maxWaitTimeInMs: IDLE_FETCH_WAIT_MS }, logger);
    this.admin = kafka.admin();
  }

  /** Reads every catalog topic to its current end, then keeps following. */
  async start(): Promise<void> {
    await Promise.all([...CATALOG_KINDS.map((kind) => this.codec.register(this.topics.catalog(kind), 'catalog-entry')), this.admin.connect()]);
    await this.consumer.start(CATALOG_KINDS.map((kind) => this.topics.catalog(kind)), {
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          if (!message.value) continue;
          const entry = await this.codec.decode<CatalogEntry>(message.value);
          this.store.apply(entry.kind as CatalogKind, entry.id, JSON.parse(entry.body));
        }
        const last = batch.messages[batch.messages.length - 1];
        if (last) this.positions.advance(batch.topic, batch.partition, BigInt(last.offset) + 1n);
      },
    });
    await this.waitUntilCaughtUp();
    this.logger.info(Object.fromEntries(CATALOG_KINDS.map((k) => [k, this.store.list(k).length])), 'catalog materialized');
  }

  async stop(): Promise<void> {
    await this.consumer.stop();
    await this.producer?.disconnect();
    await this.admin.disconnect();
  }

  /** Writes a new version of an object and resolves once this process has applied it. */
  async put<K extends CatalogKind>(kind: K, id: string, object: CatalogObjects[K]): Promise<void> {
    if (!this.producer) {
      this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
      await this.producer.connect();
    }
    const topic = this.topics.catalog(kind);
    const value = await this.codec.encode(topic, { kind, id, body: JSON.stringify(object), updated_at: Date.now() });
    const [meta] = await this.producer.send({ topic, acks: -1, messages: [{ key: id, value }] });
    await this.positions.waitFor(topic, new Map([[meta.partition, BigInt(meta.baseOffset ?? meta.offset ?? '0') + 1n]]), READ_TO_END_TIMEOUT_MS);
  }

  /**
   * Resolves once every catalog change written before this call has been applied here; rejects with a
   * TopicReadTimeoutError when that takes longer than `timeoutMs`.
   */
  async waitUntilCaughtUp(kinds: readonly CatalogKind[] = CATALOG_KINDS, timeoutMs = READ_TO_END_TIMEOUT_MS): Promise<void> {
    await Promise.all(
      kinds.map(async (kind) => {
        const topic = this.topics.catalog(kind);
        const [partition] = await this.admin.fetchTopicOffsets(topic);
        await this.positions.waitFor(topic, new Map([[partition.partition, BigInt(partition.high)]]), timeoutMs);
      }),
    );
  }
}
