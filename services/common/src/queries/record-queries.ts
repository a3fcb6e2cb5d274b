import { toClickHouseTime } from '@meterstream/domain';
import type { BuiltQuery } from './usage-queries';

/** A meter's stored records of some events: where the first row of each was read from. */
export interface CountedRecordRow {
  meter_id: string;
  customer_id: string;
  event_id: string;
  source_partition: number;
  /** The lowest meter-topic offset among the stored rows of this event in this meter and partition. */
  first_offset: string;
}

/**
 * Which of these events the meters have counted already (any stored row, removed ones included: an
 * event that was counted and then voided was counted), per meter, customer, event and source partition.
 * The usage sink asks it for backfilled records (docs/exactly-once.md, "Backfill"): the primary key
 * narrows it to the meters and customers, the event_id bloom filter to the granules holding the ids.
 */
export function countedRecordsQuery(meterIds: readonly string[], customerIds: readonly string[], eventIds: readonly string[]): BuiltQuery {
  return {
    query: `SELECT meter_id, customer_id, event_id, source_partition, toString(min(source_offset)) AS first_offset
FROM meter_records
WHERE meter_id IN {meter_ids:Array(String)} AND customer_id IN {customer_ids:Array(String)} AND event_id IN {event_ids:Array(String)}
GROUP BY meter_id, customer_id, event_id, source_partition`,
    params: { meter_ids: [...new Set(meterIds)], customer_ids: [...new Set(customerIds)], event_ids: [...new Set(eventIds)] },
  };
}

/** The correction and backfill-batch ids with records of one (meter, customer) pair in a range. */
export interface CorrectionIdsRow {
  meter_id: string;
  customer_id: string;
  /** Sorted, once each. */
  correction_ids: string[];
}

/**
 * The ids of the corrections (void, amend) and backfill batches whose records lie in these meters, for
 * these customers, in [start, end): per (meter, customer) pair that has any. Every version of a record
 * counts (no FINAL: a record an amend replaced later still names the batch it came in, a removed one the
 * void that removed it). Billing lists them on invoice lines (InvoiceLine.corrections). The primary key
 * narrows the read to the pairs and the range, the correction_id minmax index (009) to the granules that
 * hold any id.
 */
export function correctionIdsQuery(meterIds: readonly string[], customerIds: readonly string[], start: number, end: number): BuiltQuery {
  return {
    query: `SELECT meter_id, customer_id, arraySort(groupUniqArray(correction_id)) AS correction_ids
FROM meter_records
WHERE meter_id IN {meter_ids:Array(String)} AND customer_id IN {customer_ids:Array(String)}
  AND timestamp >= {start:DateTime64(3, 'UTC')} AND timestamp < {end:DateTime64(3, 'UTC')} AND correction_id != ''
GROUP BY meter_id, customer_id`,
    params: { meter_ids: [...new Set(meterIds)], customer_ids: [...new Set(customerIds)], start: toClickHouseTime(start), end: toClickHouseTime(end) },
  };
}

/** Where a meter first applied a correction, per meter, customer, correction and source partition. */
export interface AppliedCorrectionRow {
  meter_id: string;
  customer_id: string;
  correction_id: string;
  source_partition: number;
  first_offset: string;
}

/**
 * Which of these corrections the meters applied already (applied_corrections, keyed by meter, customer
 * and correction id, so a later correction of the same event never hides an earlier one). The usage
 * sink asks it for the corrections of a flush.
 */
export function appliedCorrectionsQuery(meterIds: readonly string[], customerIds: readonly string[], correctionIds: readonly string[]): BuiltQuery {
  return {
    query: `SELECT meter_id, customer_id, correction_id, source_partition, toString(min(source_offset)) AS first_offset
FROM applied_corrections
WHERE meter_id IN {meter_ids:Array(String)} AND customer_id IN {customer_ids:Array(String)} AND correction_id IN {correction_ids:Array(String)}
GROUP BY meter_id, customer_id, correction_id, source_partition`,
    params: { meter_ids: [...new Set(meterIds)], customer_ids: [...new Set(customerIds)], correction_ids: [...new Set(correctionIds)] },
  };
}
