import avro from 'avsc';
import { readSchema, type AvroCodec, type Topics } from '@meterstream/common';
import { MeterstreamError, type UsageEvent } from '@meterstream/domain';
import type { EventProducer, EventRecord } from './event-producer';

/** Sends at most this many messages, or this many bytes of keys and values, in one producer.send. */
const MAX_GROUP_MESSAGES = 5000;
const MAX_GROUP_BYTES = 512 * 1024;
/**
 * producer.send calls in flight at once: one (the producer chains its sends, see event-producer.ts);
 * requests arriving while it is busy are sent together in the next one.
 */
const MAX_SENDS_IN_FLIGHT = 1;

type EventEncoder = (event: UsageEvent) => Buffer;

interface PendingPublish {
  topic: string;
  messages: EventRecord[];
  bytes: number;
  resolve: () => void;
  reject: (err: MeterstreamError) => void;
}

/**
 * Publishes accepted events to `events` as Avro, keyed by customer id, with an idempotent producer and
 * acks=all. Resolves only when Kafka acknowledged every event; otherwise rejects with a retryable
 * EVENT_BUS_UNAVAILABLE.
 *
 * Hot path (scripts/bench-ingest.js): events are encoded with the avsc type of the schema the codec
 * registered for the topic, built once, instead of one registry.encode promise per event; requests
 * that arrive while earlier ones are being sent share the next producer.send (no timer: a request
 * never waits for one, and each still answers only after the send holding its events was
 * acknowledged; a failed send fails every request in it, each with its own 503).
 */
export class EventPublisher {
  /** Per topic: the direct encoder, or null where it could not be shown to match the codec's bytes. */
  private readonly encoders = new Map<string, EventEncoder | null>();
  private readonly queue: PendingPublish[] = [];
  private sendsInFlight = 0;

  constructor(
    private readonly producer: EventProducer,
    private readonly codec: AvroCodec,
    private readonly topics: Topics,
  ) {}

  async publish(events: readonly UsageEvent[]): Promise<void> {
    const topic = this.topics.events;
    const messages = await this.encode(topic, events);
    let bytes = 0;
    for (const m of messages) bytes += m.value.length + Buffer.byteLength(m.key);
    await new Promise<void>((resolve, reject) => {
      this.queue.push({ topic, messages, bytes, resolve, reject });
      this.sendQueued();
    });
  }

  private async encode(topic: string, events: readonly UsageEvent[]): Promise<EventRecord[]> {
    const encoder = events.length > 0 ? await this.encoderFor(topic, events[0]) : null;
    if (!encoder) {
      return Promise.all(events.map(async (event) => ({ key: event.customer_id, value: await this.codec.encode(topic, event) })));
    }
    const messages: EventRecord[] = new Array(events.length);
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      let value: Buffer;
      try {
        value = encoder(event);
      } catch {
        // Not encodable: let the codec fail the same way it always did.
        value = await this.codec.encode(topic, event);
      }
      messages[i] = { key: event.customer_id, value };
    }
    return messages;
  }

  /**
   * The schema id is the codec's (one registry lookup, cached there): taken from the codec's own
   * encoding of a first event, which the direct encoder must reproduce byte for byte to be used.
   */
  private async encoderFor(topic: string, sample: UsageEvent): Promise<EventEncoder | null> {
    const known = this.encoders.get(topic);
    if (known !== undefined) return known;
    const reference = await this.codec.encode(topic, sample);
    const type = avro.Type.forSchema(JSON.parse(readSchema('usage-event')), { wrapUnions: false });
    const header = Buffer.from(reference.subarray(0, 5));
    const encoder: EventEncoder = (event) => {
      const body = type.toBuffer(event);
      const framed = Buffer.allocUnsafe(5 + body.length);
      header.copy(framed, 0);
      body.copy(framed, 5);
      return framed;
    };
    let matches = false;
    try {
      matches = encoder(sample).equals(reference);
    } catch {
      matches = false;
    }
    this.encoders.set(topic, matches ? encoder : null);
    return matches ? encoder : null;
  }

  private sendQueued(): void {
    while (this.sendsInFlight < MAX_SENDS_IN_FLIGHT && this.queue.length > 0) {
      const group = [this.queue.shift()!];
      const topic = group[0].topic;
      let count = group[0].messages.length;
      let bytes = group[0].bytes;
      while (this.queue.length > 0) {
        const next = this.queue[0];
        if (next.topic !== topic || count + next.messages.length > MAX_GROUP_MESSAGES || bytes + next.bytes > MAX_GROUP_BYTES) break;
        group.push(this.queue.shift()!);
        count += next.messages.length;
        bytes += next.bytes;
      }
      const messages = group.length === 1 ? group[0].messages : group.flatMap((p) => p.messages);
      this.sendsInFlight++;
      this.producer
        .send(topic, messages)
        .then(
          () => {
            for (const p of group) p.resolve();
          },
          (err: unknown) => {
            for (const p of group) p.reject(new MeterstreamError('EVENT_BUS_UNAVAILABLE', `events were not accepted by Kafka: ${(err as Error).message}`));
          },
        )
        .finally(() => {
          this.sendsInFlight--;
          this.sendQueued();
        });
    }
  }
}
