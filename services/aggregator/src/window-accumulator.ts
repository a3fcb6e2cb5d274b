import { Decimal, aggregationOf, decimalText, toClickHouseTime, windowStartOf, type AggregationType, type FoldInput, type MeterRecord, type PartialState } from '@meterstream/domain';

/**
 * The partial aggregate of one (meter, customer, window) over some records. Its value is the meter's
 * aggregation folded over them (count: the count; sum: the sum; max: the maximum; last: the latest
 * value; unique_count: 0, the keys are in `uniqueKeys`).
 */
export interface PartialAggregate extends PartialState {
  meterId: string;
  customerId: string;
  windowStart: number;
  windowEnd: number;
}

/**
 * Folds meter records into tumbling windows, in memory, each by its meter's aggregation rule
 * (@meterstream/domain, one file per aggregation). Pure: no I/O. Late records fold into their own
 * window. The same merge rules apply when ClickHouse merges partials of several flushes, so totals are
 * exact at the window granularity whatever the flush boundaries were.
 */
export class WindowAccumulator {
  private readonly partials = new Map<string, PartialAggregate>();

  constructor(
    private readonly aggregationOf: (meterId: string) => AggregationType | undefined,
    private readonly windowMs: number,
  ) {}

  get size(): number {
    return this.partials.size;
  }

  /** Adds one record; returns false when its meter is unknown (the record is not counted). */
  add(record: MeterRecord): boolean {
    const type = this.aggregationOf(record.meter_id);
    if (type === undefined) return false;
    const aggregation = aggregationOf(type);
    const windowStart = windowStartOf(record.timestamp, this.windowMs);
    const key = `${record.meter_id}\u0000${record.customer_id}\u0000${windowStart}`;
    const input: FoldInput = {
      timestamp: record.timestamp,
      event_id: record.event_id,
      value: record.value === null ? undefined : new Decimal(record.value),
    };
    let partial = this.partials.get(key);
    if (!partial) {
      partial = {
        meterId: record.meter_id,
        customerId: record.customer_id,
        windowStart,
        windowEnd: windowStart + this.windowMs,
        recordCount: 1,
        value: aggregation.first(input),
        lastTimestamp: record.timestamp,
        lastEventId: record.event_id,
        uniqueKeys: new Set(),
      };
      this.partials.set(key, partial);
    } else {
      const later = record.timestamp > partial.lastTimestamp || (record.timestamp === partial.lastTimestamp && record.event_id > partial.lastEventId);
      partial.value = aggregation.fold(partial, input, later);
      partial.recordCount += 1;
      if (later) {
        partial.lastTimestamp = record.timestamp;
        partial.lastEventId = record.event_id;
      }
    }
    if (record.unique_key !== null) partial.uniqueKeys.add(record.unique_key);
    return true;
  }

  /** The partials gathered so far, and an empty accumulator. */
  drain(): PartialAggregate[] {
    const out = [...this.partials.values()];
    this.partials.clear();
    return out;
  }
}

/** The meter-topic partition the rows of a flush come from. */
export interface RowSource {
  topic: string;
  partition: number;
}

/**
 * A partial as a row of meter_usage, from a flush of `source` up to `source.endOffset` (the progress its
 * insert carries). One object literal per row: on the aggregator's per-row path.
 */
export function partialToRow(p: PartialAggregate, source: RowSource & { endOffset: string }): Record<string, unknown> {
  return {
    meter_id: p.meterId,
    customer_id: p.customerId,
    window_start: toClickHouseTime(p.windowStart),
    window_end: toClickHouseTime(p.windowEnd),
    record_count: p.recordCount,
    value: decimalText(p.value),
    last_timestamp: toClickHouseTime(p.lastTimestamp),
    last_event_id: p.lastEventId,
    unique_keys: [...p.uniqueKeys],
    source_topic: source.topic,
    source_partition: source.partition,
    source_end_offset: source.endOffset,
  };
}

/**
 * One counted record as a row of meter_records (read where a range cuts a window): its value ("0" for
 * count and unique_count, whose records carry none), its unique key, whether it removes the event
 * (change `remove`), the correction or backfill it comes from, and its offset in `source`. One object
 * literal per row: on the aggregator's per-record path.
 */
export function recordToRow(record: MeterRecord, source: RowSource, offset: string): Record<string, unknown> {
  return {
    meter_id: record.meter_id,
    customer_id: record.customer_id,
    timestamp: toClickHouseTime(record.timestamp),
    event_id: record.event_id,
    value: record.value ?? '0',
    unique_key: record.unique_key,
    deleted: record.change === 'remove' ? 1 : 0,
    correction_id: record.correction_id ?? '',
    source_topic: source.topic,
    source_partition: source.partition,
    source_offset: offset,
  };
}
