import type { MetadataValue, UsageEvent } from '@meterstream/domain';
import { prng } from '../../scripts/bench/src/prng';
import { formatScaled, normalizeDecimal, parseScaled } from './exact-decimal';

/**
 * The workload of the aggregator fault test (test/e2e/aggregator-fault.test.ts) and its expected totals.
 * Deterministic for a seed. The expectation is computed by code of its own (BigInt on decimal text,
 * its own filter and window arithmetic), never by the aggregator's or the router's classes.
 */

export const WINDOW_MS = 60_000;

/** One meter per aggregation, on two event names; `calls` has a filter. */
export const FAULT_METERS = {
  /** count of api_request with method POST or status >= 500 */
  calls: 'mtr_af_calls',
  /** unique_count of api_request user_id */
  users: 'mtr_af_users',
  /** sum of llm_completion tokens */
  tokens: 'mtr_af_tokens',
  /** max of llm_completion latency_ms */
  latency: 'mtr_af_latency',
  /** last of llm_completion balance */
  balance: 'mtr_af_balance',
} as const;
export type FaultMeter = keyof typeof FAULT_METERS;

/** A catalog seed file (CATALOG_FILE) with the five meters and nothing else. */
export function faultCatalog(): Record<string, unknown[]> {
  const meter = (id: string, name: string, event_name: string, aggregation: Record<string, string>, unit: string, extra: Record<string, unknown> = {}) => ({
    id,
    name,
    event_name,
    aggregation,
    measurement_unit: unit,
    ...extra,
  });
  return {
    meters: [
      meter(FAULT_METERS.calls, 'Billable API calls', 'api_request', { type: 'count' }, 'calls', {
        filter: {
          conjunction: 'or',
          clauses: [
            { key: 'method', operator: 'equals', value: 'POST' },
            { key: 'status', operator: 'greater_than_or_equals', value: 500 },
          ],
        },
      }),
      meter(FAULT_METERS.users, 'Active users', 'api_request', { type: 'unique_count', key: 'user_id' }, 'users'),
      meter(FAULT_METERS.tokens, 'LLM tokens', 'llm_completion', { type: 'sum', key: 'tokens' }, 'tokens'),
      meter(FAULT_METERS.latency, 'Peak latency', 'llm_completion', { type: 'max', key: 'latency_ms' }, 'ms'),
      meter(FAULT_METERS.balance, 'Balance', 'llm_completion', { type: 'last', key: 'balance' }, 'credits'),
    ],
    products: [],
    customers: [],
    subscriptions: [],
  };
}

export interface WorkloadOptions {
  seed: number;
  /** Event times fall in [now - rangeMs, now), in random order. */
  now: number;
  rangeMs: number;
  events: number;
  customers: number;
  usersPerCustomer: number;
}

export interface Workload {
  /** The distinct events, in generation order. */
  events: UsageEvent[];
  /** What to send, in order: every event once, and about 5% of them a second time (same event_id, same content). */
  sends: UsageEvent[];
  immediateRepeats: number;
  laterRepeats: number;
  /** Events that deliberately reuse the timestamp of an earlier event of the same customer and name. */
  sharedTimestamps: number;
  /** Sends whose event time is earlier than that of the customer's previous send. */
  outOfOrder: number;
}


export function generateWorkload(options: WorkloadOptions): Workload {
  const random = prng(options.seed);
  const int = (n: number) => Math.floor(random() * n);
  const digits = (n: number) => Array.from({ length: n }, () => String(int(10))).join('');
  /** Decimal text: 1..maxIntDigits integer digits, 0..12 fraction digits, sometimes trailing zeros. */
  const decimal = (maxIntDigits: number, negativeShare: number) => {
    const integer = BigInt(digits(1 + int(maxIntDigits))).toString();
    let fraction = digits(int(13));
    if (fraction.length > 0 && fraction.length <= 9 && random() < 0.1) fraction += '000';
    const text = fraction ? `${integer}.${fraction}` : integer;
    return /[1-9]/.test(text) && random() < negativeShare ? `-${text}` : text;
  };
  const integerValue = (max: number): MetadataValue => {
    const text = String(1 + int(max));
    return random() < 0.7 ? { decimal: text } : text; // numbers arrive as decimals or as numeric text
  };

  const events: UsageEvent[] = [];
  const sends: UsageEvent[] = [];
  const delayed = new Map<number, UsageEvent[]>();
  const recentTimes = new Map<string, number[]>();
  const lastSentTime = new Map<string, number>();
  let immediateRepeats = 0;
  let laterRepeats = 0;
  let sharedTimestamps = 0;
  let outOfOrder = 0;
  const send = (event: UsageEvent) => {
    const previous = lastSentTime.get(event.customer_id);
    if (previous !== undefined && event.timestamp < previous) outOfOrder++;
    lastSentTime.set(event.customer_id, event.timestamp);
    sends.push(event);
  };

  for (let i = 0; i < options.events; i++) {
    for (const repeat of delayed.get(i) ?? []) send(repeat);
    delayed.delete(i);

    const customer_id = `cus_${String(int(options.customers)).padStart(4, '0')}`;
    const llm = random() < 0.5;
    const event_name = llm ? 'llm_completion' : 'api_request';
    const recent = recentTimes.get(`${customer_id}|${event_name}`) ?? [];
    let timestamp: number;
    if (recent.length > 0 && random() < 0.08) {
      timestamp = recent[int(recent.length)];
      sharedTimestamps++;
    } else {
      timestamp = options.now - 1 - int(options.rangeMs);
      if (random() < 0.3) timestamp -= timestamp % 1000; // whole seconds make more ties
    }
    recent.push(timestamp);
    if (recent.length > 4) recent.shift();
    recentTimes.set(`${customer_id}|${event_name}`, recent);

    let metadata: Record<string, MetadataValue>;
    if (llm) {
      metadata = {
        tokens: { decimal: decimal(6, 0) },
        latency_ms: integerValue(100_000),
        balance: { decimal: decimal(9, 0.2) },
        model: random() < 0.5 ? 'gpt-x' : 'gpt-y',
        cached: random() < 0.3,
      };
    } else {
      metadata = { user_id: `u${int(options.usersPerCustomer)}`, path: `/v1/items/${int(50)}` };
      const method = random();
      if (method < 0.5) metadata.method = 'GET';
      else if (method < 0.8) metadata.method = 'POST';
      else if (method < 0.9) metadata.method = 'PUT';
      // else: no method at all
      const status = [200, 200, 200, 201, 204, 404, 429, 500, 502, 503][int(10)];
      metadata.status = random() < 0.8 ? { decimal: String(status) } : String(status);
    }
    // The random part first, so that event-id order (the tie-break of `last`) is not generation order.
    const event_id = `evt_${int(0x1000000).toString(16).padStart(6, '0')}_${i.toString(36)}`;
    const event: UsageEvent = { event_id, customer_id, event_name, timestamp, metadata, ingested_at: options.now };
    events.push(event);
    send(event);

    const repeat = random();
    if (repeat < 0.025) {
      send(event);
      immediateRepeats++;
    } else if (repeat < 0.05) {
      const at = i + 2_000 + int(60_000);
      delayed.set(at, [...(delayed.get(at) ?? []), event]);
      laterRepeats++;
    }
  }
  for (const at of [...delayed.keys()].sort((a, b) => a - b)) for (const repeat of delayed.get(at)!) send(repeat);
  return { events, sends, immediateRepeats, laterRepeats, sharedTimestamps, outOfOrder };
}

/** Record count and merged total of one (meter, customer, window); totals are normalized decimal text. */
export interface Cell {
  records: number;
  total: string;
}

export function cellKey(meterId: string, customerId: string, windowStart: number): string {
  return `${meterId}|${customerId}|${windowStart}`;
}

export function describeCellKey(key: string): string {
  const [meter, customer, windowStart] = key.split('|');
  return `${meter} ${customer} ${new Date(Number(windowStart)).toISOString()}`;
}

export interface Expectation {
  cells: Map<string, Cell>;
  /** meter id → number of distinct matching events. */
  records: Map<string, number>;
  /** customer → distinct user_ids over the whole range. */
  rangeUsers: Map<string, number>;
  /** customer → balance of its event with the greatest (timestamp, event_id) over the whole range. */
  rangeLast: Map<string, string>;
  /** Sum over customers and windows of per-window distinct users (what a wrong range total would be). */
  perWindowUserSum: number;
  /** balance windows whose latest timestamp is shared by two or more events: event_id decides. */
  lastTiesInWindows: number;
  firstTimestamp: number;
  lastTimestamp: number;
}

function text(value: MetadataValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'object') return value.decimal;
  return String(value);
}

/** The calls meter's filter, written out: method equals "POST", or status is a number >= 500. */
function billable(metadata: Record<string, MetadataValue>): boolean {
  if (Object.hasOwn(metadata, 'method') && metadata.method === 'POST') return true;
  const status = Object.hasOwn(metadata, 'status') ? text(metadata.status) : undefined;
  return status !== undefined && /^\d+$/.test(status) && BigInt(status) >= 500n;
}

interface Latest {
  timestamp: number;
  eventId: string;
  value: string;
  tied: boolean;
}

/** The greater (timestamp, event_id) wins; `tied` says the winning timestamp is shared, so event_id decided. */
function pickLatest(current: Latest | undefined, timestamp: number, eventId: string, value: string): Latest {
  if (!current || timestamp > current.timestamp) return { timestamp, eventId, value, tied: false };
  if (timestamp < current.timestamp) return current;
  return eventId > current.eventId ? { timestamp, eventId, value, tied: true } : { ...current, tied: true };
}

interface Accumulator {
  records: number;
  sum: bigint;
  max: bigint | undefined;
  latest: Latest | undefined;
  users: Set<string>;
}

/** What every (meter, customer, window) must hold after exactly-once aggregation of `events` (distinct ids). */
export function expectTotals(events: readonly UsageEvent[]): Expectation {
  const ids = new Set<string>();
  const accumulators = new Map<string, { meter: FaultMeter; acc: Accumulator }>();
  const records = new Map<string, number>(Object.values(FAULT_METERS).map((id) => [id, 0]));
  const users = new Map<string, Set<string>>();
  const latestPerCustomer = new Map<string, Latest>();
  let firstTimestamp = Infinity;
  let lastTimestamp = -Infinity;
  const touch = (meter: FaultMeter, event: UsageEvent): Accumulator => {
    const windowStart = event.timestamp - (((event.timestamp % WINDOW_MS) + WINDOW_MS) % WINDOW_MS);
    const key = cellKey(FAULT_METERS[meter], event.customer_id, windowStart);
    let entry = accumulators.get(key);
    if (!entry) {
      entry = { meter, acc: { records: 0, sum: 0n, max: undefined, latest: undefined, users: new Set() } };
      accumulators.set(key, entry);
    }
    entry.acc.records++;
    records.set(FAULT_METERS[meter], records.get(FAULT_METERS[meter])! + 1);
    return entry.acc;
  };

  for (const event of events) {
    if (ids.has(event.event_id)) throw new Error(`expectTotals needs distinct events; ${event.event_id} is there twice`);
    ids.add(event.event_id);
    firstTimestamp = Math.min(firstTimestamp, event.timestamp);
    lastTimestamp = Math.max(lastTimestamp, event.timestamp);
    const metadata = event.metadata;
    if (event.event_name === 'api_request') {
      const user = text(metadata.user_id)!;
      touch('users', event).users.add(user);
      const all = users.get(event.customer_id) ?? new Set<string>();
      all.add(user);
      users.set(event.customer_id, all);
      if (billable(metadata)) touch('calls', event);
    } else if (event.event_name === 'llm_completion') {
      touch('tokens', event).sum += parseScaled(text(metadata.tokens)!);
      const latency = BigInt(text(metadata.latency_ms)!);
      const peak = touch('latency', event);
      if (peak.max === undefined || latency > peak.max) peak.max = latency;
      const balance = normalizeDecimal(text(metadata.balance)!);
      const last = touch('balance', event);
      last.latest = pickLatest(last.latest, event.timestamp, event.event_id, balance);
      latestPerCustomer.set(event.customer_id, pickLatest(latestPerCustomer.get(event.customer_id), event.timestamp, event.event_id, balance));
    }
  }

  const cells = new Map<string, Cell>();
  let perWindowUserSum = 0;
  let lastTiesInWindows = 0;
  for (const [key, { meter, acc }] of accumulators) {
    let total: string;
    switch (meter) {
      case 'calls':
        total = String(acc.records);
        break;
      case 'users':
        total = String(acc.users.size);
        perWindowUserSum += acc.users.size;
        break;
      case 'tokens':
        total = formatScaled(acc.sum);
        break;
      case 'latency':
        total = acc.max!.toString();
        break;
      case 'balance':
        total = acc.latest!.value;
        if (acc.latest!.tied) lastTiesInWindows++;
        break;
    }
    cells.set(key, { records: acc.records, total });
  }
  return {
    cells,
    records,
    rangeUsers: new Map([...users].map(([customer, set]) => [customer, set.size])),
    rangeLast: new Map([...latestPerCustomer].map(([customer, latest]) => [customer, latest.value])),
    perWindowUserSum,
    lastTiesInWindows,
    firstTimestamp,
    lastTimestamp,
  };
}
