import type { MeterRecord } from '@meterstream/domain';

/** A buffered meter record and its offset on the meter topic. */
export interface BufferedRecord {
  record: MeterRecord;
  offset: string;
}

/** Where a meter first stored an event, as countedRecordsQuery answers. */
export interface StoredRecord {
  meter_id: string;
  customer_id: string;
  event_id: string;
  source_partition: number;
  first_offset: string;
}

/** Where a meter first applied a correction, as appliedCorrectionsQuery answers. */
export interface AppliedCorrection {
  meter_id: string;
  customer_id: string;
  correction_id: string;
  source_partition: number;
  first_offset: string;
}

/** (meter, customer, event): what identifies an event within a meter, whatever its time. */
export function meterEventKey(record: Pick<MeterRecord, 'meter_id' | 'customer_id' | 'event_id'>): string {
  return `${record.meter_id.length}:${record.meter_id}:${record.customer_id.length}:${record.customer_id}:${record.event_id}`;
}

/** (meter, customer, correction id): a correction counts once per customer, in each meter. */
export function meterCorrectionKey(record: { meter_id: string; customer_id: string; correction_id?: string | null }): string {
  return `${record.meter_id.length}:${record.meter_id}:${record.customer_id.length}:${record.customer_id}:${record.correction_id ?? ''}`;
}

/** True for the records that change what a meter counted: remove and replace. */
export function isCorrection(record: MeterRecord): boolean {
  return record.change === 'remove' || record.change === 'replace';
}

/** The first offset per key of stored rows: -1 for a row from another partition (always "before"). */
function firstOffsets<T extends { source_partition: number; first_offset: string }>(partition: number, rows: readonly T[], keyOf: (row: T) => string): Map<string, bigint> {
  const first = new Map<string, bigint>();
  for (const row of rows) {
    const offset = row.source_partition === partition ? BigInt(row.first_offset) : -1n;
    const key = keyOf(row);
    const known = first.get(key);
    if (known === undefined || offset < known) first.set(key, offset);
  }
  return first;
}

/**
 * Which changed records of one flush are repeats (pure), so that they change nothing:
 * - a `backfill` record, when its meter counted the event before: a stored row of the event read from an
 *   earlier offset of this partition (or from another partition), or any record of the event earlier in
 *   this flush;
 * - a `remove` or `replace` record, when its meter applied the same correction id before: stored in
 *   applied_corrections from an earlier offset, or earlier in this flush (a correction re-sent after
 *   the router's window forgot it, possibly after a later correction of the same event).
 * A stored row at the record's own offset or later is not "before": it was written by an earlier
 * attempt of this flush, or by a later repeat that a crash left behind, and is rewritten the same way
 * now. Every copy of an event, and every correction of it, reaches the same partition of a meter topic
 * (keyed by customer), so "before" is the partition's offset order.
 */
export function changeRepeats(
  partition: number,
  flush: readonly BufferedRecord[],
  stored: readonly StoredRecord[],
  applied: readonly AppliedCorrection[] = [],
): Set<BufferedRecord> {
  const storedFirst = firstOffsets(partition, stored, meterEventKey);
  const appliedFirst = firstOffsets(partition, applied, meterCorrectionKey);
  const repeats = new Set<BufferedRecord>();
  const seen = new Set<string>();
  const seenCorrections = new Set<string>();
  for (const entry of flush) {
    const key = meterEventKey(entry.record);
    if (entry.record.change === 'backfill') {
      const first = storedFirst.get(key);
      if (seen.has(key) || (first !== undefined && first < BigInt(entry.offset))) {
        repeats.add(entry);
        continue;
      }
    } else if (isCorrection(entry.record)) {
      const correction = meterCorrectionKey(entry.record);
      const first = appliedFirst.get(correction);
      if (seenCorrections.has(correction) || (first !== undefined && first < BigInt(entry.offset))) {
        repeats.add(entry);
        continue;
      }
      seenCorrections.add(correction);
    }
    // Corrections (remove, replace) name events that were counted; new records are first copies.
    seen.add(key);
  }
  return repeats;
}

/**
 * The meter_records rows of one flush: the last version of each (meter, customer, timestamp, event) in
 * offset order, so that the table's "last inserted row wins" is the latest change.
 */
export function lastVersions(flush: readonly BufferedRecord[]): BufferedRecord[] {
  const last = new Map<string, BufferedRecord>();
  for (const entry of flush) {
    const key = `${meterEventKey(entry.record)}\u0000${entry.record.timestamp}`;
    last.delete(key);
    last.set(key, entry);
  }
  return [...last.values()];
}
