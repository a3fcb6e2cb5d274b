import { Partitioners, type Consumer, type EachBatchPayload, type Kafka, type Message, type Producer, type TopicMessages } from 'kafkajs';
import { dlqMessage, type AvroCodec, type Logger, type Topics, type UsageEvent } from '@meterstream/common';
import { extractMeterRecord } from './record-extractor';
import type { MeterIndex } from './meter-index';

export interface MeterRouterDeps {
  kafka: Kafka;
  codec: AvroCodec;
  topics: Topics;
  meters: MeterIndex;
  logger: Logger;
  groupId: string;
}

/**
 * Consumes `events`, produces one MeterRecord per matching meter to `meter.<id>`, and sends records it
 * cannot decode or use to `events.dlq`. Each input batch is one Kafka transaction that also carries the
 * consumer offsets, so a crash at any point neither loses nor duplicates output (downstream reads
 * read_committed). One transactional producer per input partition (transactional id derived from
 * group, topic and partition) keeps zombie fencing correct across rebalances.
 */
export class MeterRouter {
  private readonly consumer: Consumer;
  private readonly producers = new Map<number, Promise<Producer>>();

  constructor(private readonly deps: MeterRouterDeps) {
    this.consumer = deps.kafka.consumer({ groupId: deps.groupId, readUncommitted: false, maxBytesPerPartition: 2 * 1024 * 1024, maxWaitTimeInMs: 250 });
  }

  async start(): Promise<void> {
    const { codec, topics, meters } = this.deps;
    for (const meter of meters.meters) await codec.register(topics.meter(meter.id), 'meter-record');
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: topics.events, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.routeBatch(payload),
    });
  }

  async stop(): Promise<void> {
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

  private async routeBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const log = this.deps.logger.child({ partition: batch.partition });
    const out = new Map<string, Message[]>();
    const push = (topic: string, message: Message) => {
      const list = out.get(topic) ?? [];
      list.push(message);
      out.set(topic, list);
    };
    for (const message of batch.messages) {
      const source = { topic: batch.topic, partition: batch.partition, offset: message.offset, key: message.key, value: message.value };
      let event: UsageEvent;
      try {
        event = await this.deps.codec.decode<UsageEvent>(message.value ?? Buffer.alloc(0));
      } catch (err) {
        push(this.deps.topics.eventsDlq, dlqMessage(source, 'UNDECODABLE', `not a registered Avro UsageEvent: ${(err as Error).message}`));
        continue;
      }
      for (const meter of this.deps.meters.match(event)) {
        const extraction = extractMeterRecord(meter, event);
        if (!extraction.ok) {
          push(this.deps.topics.eventsDlq, dlqMessage(source, extraction.code, extraction.reason));
          continue;
        }
        const topic = this.deps.topics.meter(meter.id);
        push(topic, { key: event.customer_id, value: await this.deps.codec.encode(topic, extraction.record) });
      }
    }
    const lastOffset = batch.messages[batch.messages.length - 1].offset;
    const producer = await this.producerFor(batch.partition);
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
      log.warn({ err }, 'routing transaction failed; the batch will be retried');
      throw err;
    }
    resolveOffset(lastOffset);
    await heartbeat();
    log.debug({ records: batch.messages.length, out: topicMessages.length }, 'batch routed');
  }
}
