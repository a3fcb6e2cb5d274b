import type { KafkaMessage } from 'kafkajs';
import { CORRECTIONS_TABLE, type AvroCodec } from '@meterstream/common';
import {
  auditMetadata,
  beyondBackfillLimit,
  correctionKey,
  eventKey,
  invalidEvent,
  storedMetadata,
  toClickHouseTime,
  unstorableEvent,
  withIngestedAt,
  type EventCorrection,
  type EventRef,
  type UsageEvent,
} from '@meterstream/domain';
import type { AddResult, InsertBatch, SinkBuffer } from './durable-sink';

export const EVENTS_TABLE = 'events';

/** Which of these events the events table holds already, as eventKey texts (EventReader.knownEvents). */
export type StoredEvents = (events: readonly EventRef[]) => Promise<Set<string>>;

/** Which of these voids and amends the audit trail holds already, as correctionKey texts (CorrectionReader.knownCorrections). */
export type StoredCorrections = (refs: readonly { customer_id: string; correction_id: string }[]) => Promise<Set<string>>;

export interface RawEventSinkOptions {
  stored: StoredEvents;
  storedCorrections: StoredCorrections;
  /** BACKFILL_MAX_AGE_DAYS in ms: records the router dead-letters as too old are skipped (beyondBackfillLimit). */
  backfillMaxAgeMs: number;
}

type Buffered = UsageEvent & { ingested_at: number };

/**
 * Buffers raw events of one `events` partition as rows of the ClickHouse events table.
 *
 * The row stored for an event is the copy that was counted: the router counts the first copy of a
 * (customer_id, event_id) in its partition's offset order and drops later ones, whoever sent them. This
 * buffer reads the same partition in the same order and inserts only first copies: a repeat inside the
 * buffer is dropped, and rows() leaves out the events the table holds already (one query per flush).
 * Flushes of a partition run one after the other, so the query sees every earlier flush's rows. The
 * rows are computed once per flush and kept for its retries, so a retried insert (same deduplication
 * token) carries the same rows. docs/exactly-once.md.
 *
 * The audit trail (event_corrections, docs/corrections.md) comes from the same records, in the same
 * flush, as an insert before the events rows (which carry the progress; the audit table is a
 * ReplacingMergeTree keyed by (customer_id, event_id, correction_id), so a repeated insert replaces):
 * - a record with `correction` set is a void or amend of a stored event, not a new event: one audit row,
 *   no events row; a correction id the customer used before (in this buffer, or stored: one query per
 *   flush) is a repeat and left out, as the router drops it;
 * - an event with `backfill_id` stored as a new event gets an audit row of kind backfill; a repeat of a
 *   stored event gets none.
 * Records older than BACKFILL_MAX_AGE_DAYS before their record time are skipped: the router
 * dead-letters them (beyondBackfillLimit, the same rule on the same record).
 */
export class RawEventBuffer implements SinkBuffer {
  /** First copies, with their eventKey (computed once: rows() looks it up again). */
  private readonly pending: { event: Buffered; offset: string; key: string }[] = [];
  private readonly keys = new Set<string>();
  private readonly corrections: { event: Buffered & { correction: EventCorrection }; offset: string }[] = [];
  private readonly correctionKeys = new Set<string>();

  constructor(
    private readonly codec: AvroCodec,
    private readonly options: RawEventSinkOptions,
  ) {}

  get size(): number {
    return this.pending.length + this.corrections.length;
  }

  async add(message: KafkaMessage): Promise<AddResult> {
    // Records the router sends to the DLQ (undecodable or invalid) are skipped here: one DLQ record
    // for them is enough. A valid event the events table cannot hold goes to the DLQ from here. A
    // registry that cannot be reached throws, and the batch is read again.
    const decoded = await this.codec.decodeAs<UsageEvent>(message.value, 'usage-event');
    if (!decoded.ok) return { kind: 'skipped', reason: 'undecodable (the router dead-letters it)', expected: true };
    const invalid = invalidEvent(decoded.value);
    if (invalid !== undefined) return { kind: 'skipped', reason: `${invalid} (the router dead-letters it)`, expected: true };
    // A direct producer may leave ingested_at out: the Kafka record's timestamp stands in for it.
    const event = withIngestedAt(decoded.value, Number(message.timestamp));
    if (beyondBackfillLimit(event.timestamp, Number(message.timestamp), this.options.backfillMaxAgeMs)) {
      return { kind: 'skipped', reason: 'older than BACKFILL_MAX_AGE_DAYS before its record time (the router dead-letters it)', expected: true };
    }
    const unstorable = unstorableEvent(event);
    if (unstorable !== undefined) return { kind: 'dead-letter', code: 'UNSTORABLE_RECORD', reason: unstorable };
    const correction = event.correction ?? null;
    if (correction !== null) {
      const ckey = correctionKey(event.customer_id, correction.correction_id);
      if (this.correctionKeys.has(ckey)) return { kind: 'skipped', reason: 'a repeat of a correction earlier in this partition', expected: true };
      this.correctionKeys.add(ckey);
      this.corrections.push({ event: { ...event, correction }, offset: message.offset });
      return { kind: 'buffered' };
    }
    const key = eventKey(event);
    if (this.keys.has(key)) return { kind: 'skipped', reason: 'a repeat of an event earlier in this partition (the first copy is the one counted)', expected: true };
    this.keys.add(key);
    this.pending.push({ event, offset: message.offset, key });
    return { kind: 'buffered' };
  }

  async rows(source: { topic: string; partition: number }): Promise<InsertBatch[]> {
    const [known, usedCorrections] = await Promise.all([
      this.pending.length > 0 ? this.options.stored(this.pending.map(({ event }) => event)) : new Set<string>(),
      this.corrections.length > 0
        ? this.options.storedCorrections(this.corrections.map(({ event }) => ({ customer_id: event.customer_id, correction_id: event.correction.correction_id })))
        : new Set<string>(),
    ]);
    const fresh = this.pending.filter(({ key }) => !known.has(key));
    const rows = fresh.map(({ event, offset }) => ({
      event_id: event.event_id,
      customer_id: event.customer_id,
      event_name: event.event_name,
      timestamp: toClickHouseTime(event.timestamp),
      metadata: storedMetadata(event.metadata),
      ingested_at: toClickHouseTime(event.ingested_at),
      source_topic: source.topic,
      source_partition: source.partition,
      source_offset: offset,
    }));
    // In offset order, whichever kind: an event's history is read in that order.
    const audit = [
      ...this.corrections
        .filter(({ event }) => !usedCorrections.has(correctionKey(event.customer_id, event.correction.correction_id)))
        .map(({ event, offset }) => ({ offset, row: auditRow(event, event.correction.correction_id, event.correction.kind, event.correction, source, offset) })),
      ...fresh
        .filter(({ event }) => typeof event.backfill_id === 'string' && event.backfill_id.length > 0)
        .map(({ event, offset }) => ({ offset, row: auditRow(event, event.backfill_id!, 'backfill', null, source, offset) })),
    ]
      .sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1))
      .map(({ row }) => row);
    // The audit rows first: the events rows carry the progress (eventsProgressQuery).
    return [
      { table: CORRECTIONS_TABLE, rows: audit },
      { table: EVENTS_TABLE, rows },
    ];
  }
}

/** The audit row of a correction (void, amend) or of an event stored from a backfill batch, at `offset` of `source`. */
function auditRow(
  event: Buffered,
  correctionId: string,
  kind: 'void' | 'amend' | 'backfill',
  correction: EventCorrection | null,
  source: { topic: string; partition: number },
  offset: string,
): Record<string, unknown> {
  return {
    correction_id: correctionId,
    kind,
    customer_id: event.customer_id,
    event_id: event.event_id,
    event_name: event.event_name,
    timestamp: toClickHouseTime(event.timestamp),
    metadata: auditMetadata(kind, event.metadata),
    requested_by: correction?.requested_by ?? '',
    reason: correction?.reason ?? '',
    requested_at: toClickHouseTime(event.ingested_at),
    source_topic: source.topic,
    source_partition: source.partition,
    source_offset: offset,
  };
}
