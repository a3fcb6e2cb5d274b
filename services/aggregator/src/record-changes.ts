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

/** (meter, customer, event): what identifies an event within a meter, whatever its time. */
export function meterEventKey(record: Pick<MeterRecord, 'meter_id' | 'customer_id' | 'event_id'>): string {
  return `${record.meter_id.length}:${record.meter_id}:${record.customer_id.length}:${record.customer_id}:${record.event_id}`;
}

/**
 * Which backfilled records of one flush are repeats (pure). A backfilled record counts unless its meter
 * counted the event before it: a stored row of the event read from an earlier offset of this partition
 * (or from another partition), or any record of the event earlier in this flush. A stored row at the
 * record's own offset or later is not "before": it was written by an earlier attempt of this flush, or
 * by a later repeat that a crash left behind, and is rewritten the same way now. Every copy of an event
 * in a meter reaches the same partition (keyed by customer), so "before" is the partition's offset order.
 */
export function backfillRepeats(
  partition: number,
  flush: readonly BufferedRecord[],
  stored: readonly StoredRecord[],
): Set<BufferedRecord> {
  const storedFirst = new Map<string, bigint>();
  for (const row of stored) {
    const first = row.source_partition === partition ? BigInt(row.first_offset) : -1n;
    const key = meterEventKey(row);
    const known = storedFirst.get(key);
    if (known === undefined || first < known) storedFirst.set(key, first);
  }
  const repeats = new Set<BufferedRecord>();
  const seen = new Set<string>();
  for (const entry of flush) {
    const key = meterEventKey(entry.record);
    if (entry.record.change === 'backfill') {
      const first = storedFirst.get(key);
      if (seen.has(key) || (first !== undefined && first < BigInt(entry.offset))) {
        repeats.add(entry);
        continue;
      }
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
