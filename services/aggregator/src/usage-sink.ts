import type { KafkaMessage } from 'kafkajs';
import type { AvroCodec } from '@meterstream/common';
import { toClickHouseTime, unstorableMeterRecord, windowStartOf, type AggregationType, type MeterRecord } from '@meterstream/domain';
import type { AddResult, InsertBatch, SinkBuffer } from './durable-sink';
import { changeRepeats, isCorrection, lastVersions, type AppliedCorrection, type BufferedRecord, type StoredRecord } from './record-changes';
import { WindowAccumulator, partialToRow, recordToRow } from './window-accumulator';

export const USAGE_TABLE = 'meter_usage';
/** Every counted record, for usage over ranges that split a window (see docs/exactly-once.md). */
export const RECORDS_TABLE = 'meter_records';
/** Windows a correction changed: usage reads them from meter_records (docs/corrections.md). */
export const CORRECTED_WINDOWS_TABLE = 'corrected_windows';
/** The corrections each meter applied: a correction read again changes nothing. */
export const APPLIED_CORRECTIONS_TABLE = 'applied_corrections';

/** What the repeat checks of a flush read from ClickHouse (countedRecordsQuery, appliedCorrectionsQuery). */
export interface StoredChanges {
  /** Where the meters first stored these backfilled events. */
  counted(records: readonly MeterRecord[]): Promise<StoredRecord[]>;
  /** Where the meters first applied these corrections. */
  applied(records: readonly MeterRecord[]): Promise<AppliedCorrection[]>;
}

/**
 * Buffers one meter-topic partition as windowed partial aggregates, and every counted record itself:
 * a range whose start or end falls inside a window (a billing period starting at 17:19:15.000) takes
 * its whole windows from the partials and the records of its edge windows one by one.
 *
 * Changes (MeterRecord.change): a `backfill` record counts only if its meter has not counted the event
 * before, and a correction only if its meter has not applied that correction id before (changeRepeats,
 * decided in rows() with one lookup of the stored records per flush); a
 * `remove` or `replace` record writes a new version of the event's record (removed, or with its new
 * value) and marks its window corrected, so that usage reads that window from the records instead of
 * its partials: exact for every aggregation, including max, last and unique_count.
 */
export class UsageBuffer implements SinkBuffer {
  private readonly accumulator: WindowAccumulator;
  /** Every record of the flush that writes a row (new, backfill, remove, replace), in offset order. */
  private readonly records: BufferedRecord[] = [];
  private backfills = 0;
  private readonly corrected = new Map<string, { record: MeterRecord; offset: string }>();

  constructor(
    private readonly codec: AvroCodec,
    private readonly aggregationOf: (meterId: string) => AggregationType | undefined,
    private readonly windowMs: number,
    private readonly stored: StoredChanges,
  ) {
    this.accumulator = new WindowAccumulator(aggregationOf, windowMs);
  }

  get size(): number {
    return this.accumulator.size + this.backfills + this.corrected.size;
  }

  /**
   * Bytes that do not decode and records that cannot be stored (unstorableMeterRecord) go to the DLQ;
   * a record of a meter the catalog does not know is skipped. A registry that cannot be reached throws,
   * and the batch is read again.
   */
  async add(message: KafkaMessage): Promise<AddResult> {
    const decoded = await this.codec.decodeAs<MeterRecord>(message.value, 'meter-record');
    if (!decoded.ok) return { kind: 'dead-letter', code: 'UNDECODABLE', reason: decoded.reason };
    const record = decoded.value;
    const unstorable = unstorableMeterRecord(record, this.windowMs);
    if (unstorable !== undefined) return { kind: 'dead-letter', code: 'UNSTORABLE_RECORD', reason: unstorable };
    const change = record.change ?? null;
    if (change === null) {
      if (!this.accumulator.add(record)) return unknownMeter(record);
    } else if (this.aggregationOf(record.meter_id) === undefined) {
      return unknownMeter(record);
    } else if (change === 'backfill') {
      this.backfills += 1; // folded in rows(), once the stored records said it is no repeat
    } else {
      const windowStart = windowStartOf(record.timestamp, this.windowMs);
      this.corrected.set(`${record.meter_id}\u0000${record.customer_id}\u0000${windowStart}`, { record, offset: message.offset });
    }
    this.records.push({ record, offset: message.offset });
    return { kind: 'buffered' };
  }

  async rows(source: { topic: string; partition: number; endOffset: string }): Promise<InsertBatch[]> {
    // The lookup first: a failure leaves the buffer as it was.
    const backfilled: MeterRecord[] = [];
    const corrections: MeterRecord[] = [];
    for (const { record } of this.records) {
      if (record.change === 'backfill') backfilled.push(record);
      else if (isCorrection(record)) corrections.push(record);
    }
    const [counted, applied] = await Promise.all([
      backfilled.length > 0 ? this.stored.counted(backfilled) : [],
      corrections.length > 0 ? this.stored.applied(corrections) : [],
    ]);
    let kept = this.records.splice(0);
    // Only a backfill or a correction can be a repeat.
    if (backfilled.length > 0 || corrections.length > 0) {
      const repeats = changeRepeats(source.partition, kept, counted, applied);
      kept = kept.filter((entry) => !repeats.has(entry));
      for (const { record } of kept) if (record.change === 'backfill') this.accumulator.add(record);
    }
    this.backfills = 0;
    const records = lastVersions(kept).map(({ record, offset }) => recordToRow(record, source, offset));
    const appliedRows = kept
      .filter(({ record }) => isCorrection(record))
      .map(({ record, offset }) => ({
        meter_id: record.meter_id,
        customer_id: record.customer_id,
        correction_id: record.correction_id ?? '',
        event_id: record.event_id,
        source_topic: source.topic,
        source_partition: source.partition,
        source_offset: offset,
      }));
    const corrected = [...this.corrected.values()].map(({ record, offset }) => {
      const windowStart = windowStartOf(record.timestamp, this.windowMs);
      return {
        meter_id: record.meter_id,
        customer_id: record.customer_id,
        window_start: toClickHouseTime(windowStart),
        window_end: toClickHouseTime(windowStart + this.windowMs),
        correction_id: record.correction_id ?? '',
        source_topic: source.topic,
        source_partition: source.partition,
        source_offset: offset,
      };
    });
    this.corrected.clear();
    const partials = this.accumulator.drain().map((p) => partialToRow(p, source));
    // Records first, then the corrected windows and applied corrections (all idempotent:
    // ReplacingMergeTree), then the
    // partials, whose insert carries the progress: nothing is ever missing below the progress. A flush
    // with no partials (only corrections and repeats) leaves the progress where it was: after a restart
    // its records are read again and written again, the same rows.
    return [
      { table: RECORDS_TABLE, rows: records },
      { table: CORRECTED_WINDOWS_TABLE, rows: corrected },
      { table: APPLIED_CORRECTIONS_TABLE, rows: appliedRows },
      { table: USAGE_TABLE, rows: partials },
    ];
  }
}

function unknownMeter(record: MeterRecord): AddResult {
  return { kind: 'skipped', reason: `meter ${record.meter_id} is not in the catalog` };
}
