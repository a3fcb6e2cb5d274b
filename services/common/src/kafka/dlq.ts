import { Partitioners, type IHeaders, type Kafka, type Message, type Producer } from 'kafkajs';

export interface DlqSource {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** The original record's headers and timestamp, kept on the DLQ record. */
  headers?: IHeaders;
  timestamp?: string;
}

/** Header names on events.dlq records; the value is the original bytes, unchanged. */
export const DLQ_HEADERS = {
  code: 'dlq-code',
  reason: 'dlq-reason',
  topic: 'dlq-source-topic',
  partition: 'dlq-source-partition',
  offset: 'dlq-source-offset',
} as const;

export function dlqMessage(source: DlqSource, code: string, reason: string): Message {
  return {
    key: source.key,
    value: source.value,
    timestamp: source.timestamp,
    headers: {
      ...source.headers,
      [DLQ_HEADERS.code]: code,
      [DLQ_HEADERS.reason]: reason,
      [DLQ_HEADERS.topic]: source.topic,
      [DLQ_HEADERS.partition]: String(source.partition),
      [DLQ_HEADERS.offset]: source.offset,
    },
  };
}

/**
 * Writes DLQ records outside a transaction (the aggregator's sinks; the router writes its own in its
 * transaction): an idempotent producer, acknowledged by every in-sync replica before send resolves.
 */
export class DlqProducer {
  private readonly producer: Producer;

  constructor(kafka: Kafka, private readonly topic: string) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  }

  start(): Promise<void> {
    return this.producer.connect();
  }

  async send(source: DlqSource, code: string, reason: string): Promise<void> {
    await this.producer.send({ topic: this.topic, acks: -1, messages: [dlqMessage(source, code, reason)] });
  }

  stop(): Promise<void> {
    return this.producer.disconnect();
  }
}
