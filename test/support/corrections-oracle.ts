import type { MetadataValue, UsageEvent } from '@meterstream/domain';
import { formatScaled, parseScaled } from './exact-decimal';

/**
 * An independent oracle for usage corrections (backfill, void, amend), written from the documented rules
 * (docs/corrections.md as the schemas and DESIGN.md state them), never from the services' classes:
 * BigInt on decimal text, a filter evaluator and window arithmetic of its own.
 *
 * - The corrected event set: the first copy of each (customer_id, event_id) in the order of its
 *   partition, unless its event time is more than the backfill limit before its Kafka record time.
 * - A correction (event_id, customer_id, event_name and timestamp of the corrected event) counts once
 *   per (customer_id, correction_id); it is refused like an event when the event's time is beyond the
 *   limit; a void removes the event, an amend replaces its metadata.
 * - A meter takes an event of its event_name whose metadata passes its filter and, unless it counts,
 *   holds its key (numeric for sum, max and last); usage per window of `windowMs` (aligned to the epoch)
 *   and over any [start, end).
 */

export type AggregationKind = 'count' | 'sum' | 'max' | 'last' | 'unique_count';

export interface OracleCondition {
  key: string;
  operator: 'equals' | 'not_equals' | 'greater_than' | 'less_than';
  value: string | number;
}

export interface OracleFilter {
  conjunction: 'and' | 'or';
  clauses: OracleCondition[];
}

export interface OracleMeter {
  id: string;
  event_name: string;
  type: AggregationKind;
  key?: string;
  filter?: OracleFilter;
}

/** An event as it stands in the corrected set: the first copy's identity, the latest metadata. */
export interface LiveEvent {
  customer_id: string;
  event_id: string;
  event_name: string;
  timestamp: number;
  metadata: Record<string, MetadataValue>;
  /** How many corrections changed it (amends). */
  amends: number;
}

const PLAIN_NUMBER = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)\s*$/;

/** The number a metadata value stands for (scaled 10^12), or undefined when it is not numeric. */
export function numeric(value: MetadataValue | number | undefined): bigint | undefined {
  if (value === undefined || typeof value === 'boolean') return undefined;
  if (typeof value === 'bigint') return value * 10n ** 12n;
  const text = typeof value === 'object' ? value.decimal : String(value);
  return PLAIN_NUMBER.test(text) ? parseScaled(text.trim()) : undefined;
}

/** Text of a metadata value as equality and unique keys see it: strings as they are, decimals as written. */
export function text(value: MetadataValue): string {
  if (typeof value === 'object' && value !== null && typeof value !== 'bigint') return value.decimal;
  return String(value);
}

function conditionHolds(condition: OracleCondition, metadata: Record<string, MetadataValue>): boolean {
  if (!Object.hasOwn(metadata, condition.key)) return false; // an event lacking a filtered key does not match
  const actual = metadata[condition.key];
  const want = numeric(condition.value);
  const have = numeric(actual);
  const bothNumeric = want !== undefined && have !== undefined;
  switch (condition.operator) {
    case 'equals':
      return bothNumeric ? have === want : text(actual) === String(condition.value);
    case 'not_equals':
      return !(bothNumeric ? have === want : text(actual) === String(condition.value));
    case 'greater_than':
      return bothNumeric && have > want;
    case 'less_than':
      return bothNumeric && have < want;
  }
}

/** Whether a meter takes an event with this name and metadata (filter passes, key present and usable). */
export function meterTakes(meter: OracleMeter, eventName: string, metadata: Record<string, MetadataValue>): boolean {
  if (eventName !== meter.event_name) return false;
  if (meter.filter) {
    const results = meter.filter.clauses.map((c) => conditionHolds(c, metadata));
    if (meter.filter.conjunction === 'and' ? results.includes(false) : !results.includes(true)) return false;
  }
  if (meter.type === 'count') return true;
  if (!Object.hasOwn(metadata, meter.key!)) return false;
  return meter.type === 'unique_count' || numeric(metadata[meter.key!]) !== undefined;
}

export type Outcome = 'counted' | 'repeat' | 'beyond-limit' | 'void' | 'amend' | 'correction-repeat' | 'correction-of-nothing';

const eventKey = (customerId: string, eventId: string) => `${customerId}\u0000${eventId}`;

/** The corrected event set, fed every record of `events` in partition order. */
export class CorrectedEvents {
  private readonly events = new Map<string, LiveEvent>();
  /** Every (customer, event) that was counted once, voided or not. */
  private readonly everCounted = new Set<string>();
  private readonly corrections = new Set<string>();
  /** Live events per (customer, window start), for the workload's choice of correction targets. */
  private readonly windows = new Map<string, Set<LiveEvent>>();

  constructor(
    private readonly limitMs: number,
    private readonly windowMs: number,
  ) {}

  apply(event: UsageEvent, recordTime: number): Outcome {
    if (event.timestamp < recordTime - this.limitMs) return 'beyond-limit';
    const key = eventKey(event.customer_id, event.event_id);
    const correction = event.correction ?? null;
    if (correction === null) {
      if (this.everCounted.has(key)) return 'repeat';
      this.everCounted.add(key);
      const live: LiveEvent = { customer_id: event.customer_id, event_id: event.event_id, event_name: event.event_name, timestamp: event.timestamp, metadata: { ...event.metadata }, amends: 0 };
      this.events.set(key, live);
      this.windowOf(live).add(live);
      return 'counted';
    }
    const correctionKey = `${event.customer_id}\u0000${correction.correction_id}`;
    if (this.corrections.has(correctionKey)) return 'correction-repeat';
    this.corrections.add(correctionKey);
    const target = this.events.get(key);
    if (!target) return 'correction-of-nothing';
    if (correction.kind === 'void') {
      this.events.delete(key);
      this.windowOf(target).delete(target);
      return 'void';
    }
    target.metadata = { ...event.metadata };
    target.amends += 1;
    return 'amend';
  }

  get(customerId: string, eventId: string): LiveEvent | undefined {
    return this.events.get(eventKey(customerId, eventId));
  }

  wasCounted(customerId: string, eventId: string): boolean {
    return this.everCounted.has(eventKey(customerId, eventId));
  }

  live(): LiveEvent[] {
    return [...this.events.values()];
  }

  get size(): number {
    return this.events.size;
  }

  /** The live events of the same customer whose time falls in the window of `event`. */
  windowMates(event: Pick<LiveEvent, 'customer_id' | 'timestamp'>): LiveEvent[] {
    return [...(this.windows.get(this.windowKey(event)) ?? [])];
  }

  /** A copy of the live events now (metadata copied): the set an earlier invoice saw. */
  snapshot(): LiveEvent[] {
    return this.live().map((e) => ({ ...e, metadata: { ...e.metadata } }));
  }

  private windowKey(event: Pick<LiveEvent, 'customer_id' | 'timestamp'>): string {
    return `${event.customer_id}\u0000${event.timestamp - (((event.timestamp % this.windowMs) + this.windowMs) % this.windowMs)}`;
  }

  private windowOf(event: LiveEvent): Set<LiveEvent> {
    const key = this.windowKey(event);
    let set = this.windows.get(key);
    if (!set) {
      set = new Set();
      this.windows.set(key, set);
    }
    return set;
  }
}

/** The aggregate of a set of records of one meter as decimal text; undefined without records. */
export function aggregate(meter: OracleMeter, records: readonly LiveEvent[]): string | undefined {
  if (records.length === 0) return undefined;
  const value = (e: LiveEvent) => numeric(e.metadata[meter.key!])!;
  switch (meter.type) {
    case 'count':
      return String(records.length);
    case 'unique_count':
      return String(new Set(records.map((e) => text(e.metadata[meter.key!]))).size);
    case 'sum':
      return formatScaled(records.reduce((s, e) => s + value(e), 0n));
    case 'max':
      return formatScaled(records.reduce((m, e) => (value(e) > m ? value(e) : m), value(records[0])));
    case 'last': {
      // The latest record in event time; a tie goes to the greater event id.
      let latest = records[0];
      for (const e of records) if (e.timestamp > latest.timestamp || (e.timestamp === latest.timestamp && e.event_id > latest.event_id)) latest = e;
      return formatScaled(value(latest));
    }
  }
}

/** Usage of every (meter, customer, window) that holds a record: key `meter|customer|windowStart`. */
export function windowUsage(meters: readonly OracleMeter[], events: readonly LiveEvent[], windowMs: number): Map<string, string> {
  const groups = new Map<string, LiveEvent[]>();
  for (const meter of meters) {
    for (const e of events) {
      if (!meterTakes(meter, e.event_name, e.metadata)) continue;
      const key = `${meter.id}|${e.customer_id}|${e.timestamp - (e.timestamp % windowMs)}`;
      const group = groups.get(key);
      if (group) group.push(e);
      else groups.set(key, [e]);
    }
  }
  const byId = new Map(meters.map((m) => [m.id, m]));
  return new Map([...groups].map(([key, records]) => [key, aggregate(byId.get(key.slice(0, key.indexOf('|')))!, records)!]));
}

/** Usage of one meter and customer over [start, end): "0" without records, as usage queries answer. */
export function rangeUsage(meter: OracleMeter, events: readonly LiveEvent[], customerId: string, start: number, end: number): string {
  const records = events.filter((e) => e.customer_id === customerId && e.timestamp >= start && e.timestamp < end && meterTakes(meter, e.event_name, e.metadata));
  return aggregate(meter, records) ?? '0';
}
