import { Decimal, decimalText, toClickHouseTime, windowStartOf, type AggregationType, type MeterRecord } from '@meterstream/domain';

/** The partial aggregate of one (meter, customer, window) over some records. */
export interface PartialAggregate {
  meterId: string;
  customerId: string;
  windowStart: number;
  windowEnd: number;
  recordCount: number;
  /** count: the count; sum: the sum; max: the maximum; last: the latest value; unique_count: 0. */
  value: Decimal;
  /** Timestamp and event id of the latest record: `last` picks the greatest (timestamp, event_id). */
  lastTimestamp: number;
  lastEventId: string;
  uniqueKeys: Set<string>;
}

/**
 * Folds meter records into tumbling windows, in memory. Pure: no I/O. Late records fold into their own
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
    const windowStart = windowStartOf(record.timestamp, this.windowMs);
    const key = `${record.meter_id}\u0000${record.customer_id}\u0000${windowStart}`;
    let partial = this.partials.get(key);
    const value = record.value === null ? undefined : new Decimal(record.value);
    const isLater = (p: PartialAggregate) =>
      record.timestamp > p.lastTimestamp || (record.timestamp === p.lastTimestamp && record.event_id > p.lastEventId);
    if (!partial) {
      partial = {
        meterId: record.meter_id,
        customerId: record.customer_id,
        windowStart,
        windowEnd: windowStart + this.windowMs,
        recordCount: 0,
        value: type === 'count' || type === 'unique_count' || value === undefined ? new Decimal(0) : value,
        lastTimestamp: record.timestamp,
        lastEventId: record.event_id,
        uniqueKeys: new Set(),
      };
      this.partials.set(key, partial);
    } else if (value !== undefined) {
      if (type === 'sum') partial.value = partial.value.plus(value);
      else if (type === 'max' && value.gt(partial.value)) partial.value = value;
      else if (type === 'last' && isLater(partial)) partial.value = value;
    }
    if (isLater(partial)) {
      partial.lastTimestamp = record.timestamp;
      partial.lastEventId = record.event_id;
    }
    partial.recordCount += 1;
    if (type === 'count') partial.value = new Decimal(partial.recordCount);
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

export function partialToRow(p: PartialAggregate): Record<string, unknown> {
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
  };
}
