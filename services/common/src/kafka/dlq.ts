import type { IHeaders, Message } from 'kafkajs';

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
