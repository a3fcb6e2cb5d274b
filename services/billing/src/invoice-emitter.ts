import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { readToEnd, type AvroCodec } from '@meterstream/common';
import type { Invoice } from '@meterstream/domain';

/** Invoices per Kafka transaction when closing many periods at once. */
export const INVOICES_PER_TRANSACTION = 200;

/**
 * The `invoices` topic, billing's source of truth: issued invoices are written there in Kafka
 * transactions through one transactional producer (a new billing instance fences the old one and aborts
 * its open transaction), and read back from there at start.
 */
export class InvoiceEmitter {
  private producer: Producer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly codec: AvroCodec,
    private readonly topic: string,
    private readonly transactionalId: string,
  ) {}

  /** Registers the schema and connects the producer: fences an older instance and aborts its open transaction. */
  async start(): Promise<void> {
    await this.codec.register(this.topic, 'invoice');
    await this.transactionalProducer();
  }

  async stop(): Promise<void> {
    await this.producer?.disconnect();
  }

  /** One Kafka transaction: every invoice is issued, or none. */
  async emit(invoices: readonly Invoice[]): Promise<void> {
    const topic = this.topic;
    const messages = await Promise.all(invoices.map(async (inv) => ({ key: inv.id, value: await this.codec.encode(topic, inv) })));
    const producer = await this.transactionalProducer();
    const tx = await producer.transaction();
    try {
      await tx.send({ topic, acks: -1, messages });
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      // Start the next attempt with a new producer: a failed one may stay unusable.
      this.producer = undefined;
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
  }

  /** Every committed invoice on the topic, read_committed, up to the end it has now (call after start: fenced). */
  async issued(): Promise<Invoice[]> {
    const invoices: Invoice[] = [];
    await readToEnd(this.kafka, {
      topic: this.topic,
      purpose: 'billing-ledger',
      eachMessage: async (message) => {
        if (message.value) invoices.push(await this.codec.decode<Invoice>(message.value));
      },
    });
    return invoices;
  }

  private async transactionalProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = this.kafka.producer({
      transactionalId: this.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5000 },
    });
    await producer.connect();
    this.producer = producer;
    return producer;
  }
}
