import type { MetadataValue, UsageEvent } from '@meterstream/domain';
import { prng } from './billing-oracle';
import type { OraclePrice } from './billing-oracle';
import { formatScaled } from './exact-decimal';
import { CorrectedEvents, meterTakes, numeric, text, type LiveEvent, type OracleMeter, type Outcome } from './corrections-oracle';

/**
 * The workload of test/e2e/corrections-fault.test.ts: a catalog (one meter per aggregation on one event
 * name, two of them filtered; two products; subscriptions anchored in the past), a history of events up to
 * the backfill limit old, then a stream of steps (one producer send each): new events, backfill batches
 * (some sent twice, some repeating counted events), voids and amends of accepted events chosen for the
 * role they play in their window, re-sent corrections, and events beyond the limit. Every record is fed
 * to the oracle (CorrectedEvents) as it is generated, with the Kafka record time it is sent with, so the
 * choices follow what was sent. Seeded: the same seed makes the same choices (event times follow the clock).
 */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const EVENT_NAME = 'api_call';

export const CF_METERS = {
  /** count of api_call in region eu */
  calls: 'mtr_cf_eu_calls',
  /** sum of tokens (values of both signs) */
  tokens: 'mtr_cf_tokens',
  /** max of latency_ms */
  latency: 'mtr_cf_latency',
  /** last of balance */
  balance: 'mtr_cf_balance',
  /** unique_count of user_id, for events in eu or slower than 900 ms */
  users: 'mtr_cf_users',
} as const;

/** Latency above which an event counts in the users meter whatever its region. */
const SLOW_MS = 900;

export const METERS: OracleMeter[] = [
  { id: CF_METERS.calls, event_name: EVENT_NAME, type: 'count', filter: { conjunction: 'and', clauses: [{ key: 'region', operator: 'equals', value: 'eu' }] } },
  { id: CF_METERS.tokens, event_name: EVENT_NAME, type: 'sum', key: 'tokens' },
  { id: CF_METERS.latency, event_name: EVENT_NAME, type: 'max', key: 'latency_ms' },
  { id: CF_METERS.balance, event_name: EVENT_NAME, type: 'last', key: 'balance' },
  {
    id: CF_METERS.users,
    event_name: EVENT_NAME,
    type: 'unique_count',
    key: 'user_id',
    filter: {
      conjunction: 'or',
      clauses: [
        { key: 'region', operator: 'equals', value: 'eu' },
        { key: 'latency_ms', operator: 'greater_than', value: SLOW_MS },
      ],
    },
  },
];
export const METER_BY_ID = new Map(METERS.map((m) => [m.id, m]));

export interface ProductPlan {
  product_id: string;
  fixed_price: number;
  interval: 'Day' | 'Week';
  periodMs: number;
  prices: OraclePrice[];
}

const perUnit = (meter_id: string, price_per_unit: string, free_threshold: string): OraclePrice => ({ meter_id, model: 'per_unit', price_per_unit, free_threshold });

export const PRODUCTS: ProductPlan[] = [
  {
    product_id: 'prod_cf_daily',
    fixed_price: 150,
    interval: 'Day',
    periodMs: DAY,
    prices: [
      perUnit(CF_METERS.calls, '0.35', '2'),
      perUnit(CF_METERS.tokens, '0.0000375', '100'),
      perUnit(CF_METERS.latency, '0.0125', '0'),
      perUnit(CF_METERS.balance, '0.5', '0'),
      perUnit(CF_METERS.users, '1.75', '1'),
    ],
  },
  {
    product_id: 'prod_cf_weekly',
    fixed_price: 990,
    interval: 'Week',
    periodMs: 7 * DAY,
    prices: [
      perUnit(CF_METERS.calls, '0.2', '0'),
      perUnit(CF_METERS.tokens, '0.00001234', '0'),
      perUnit(CF_METERS.latency, '0.5', '250'),
      perUnit(CF_METERS.balance, '0.333333333333', '0'),
      perUnit(CF_METERS.users, '12.5', '0'),
    ],
  },
];
export const PRODUCT_BY_ID = new Map(PRODUCTS.map((p) => [p.product_id, p]));

export interface SubscriptionPlan {
  subscription_id: string;
  customer_id: string;
  product_id: string;
  anchor: number;
}

export const CUSTOMERS = ['cus_cf_a', 'cus_cf_b', 'cus_cf_c', 'cus_cf_d', 'cus_cf_e', 'cus_cf_f'];

/**
 * Subscriptions anchored so that a period ended 30 minutes before `t0` (plus a few milliseconds, so that
 * periods start inside minute windows) and the next one ends a day or more after: the periods before
 * are invoiced before the corrections, the one after stays open until the test cancels the
 * subscriptions. cus_cf_d has only an open period; cus_cf_f has no subscription.
 */
export function subscriptionPlans(t0: number): SubscriptionPlan[] {
  const boundary = t0 - 30 * MINUTE;
  return [
    { subscription_id: 'sub_cf_a', customer_id: 'cus_cf_a', product_id: 'prod_cf_daily', anchor: boundary - 36 * DAY + 123 },
    { subscription_id: 'sub_cf_b', customer_id: 'cus_cf_b', product_id: 'prod_cf_daily', anchor: boundary - 20 * DAY + 45_678 },
    { subscription_id: 'sub_cf_c', customer_id: 'cus_cf_c', product_id: 'prod_cf_weekly', anchor: boundary - 35 * DAY + 7_001 },
    { subscription_id: 'sub_cf_d', customer_id: 'cus_cf_d', product_id: 'prod_cf_weekly', anchor: t0 - 3 * DAY + 999 },
    { subscription_id: 'sub_cf_e', customer_id: 'cus_cf_e', product_id: 'prod_cf_daily', anchor: boundary - 2 * DAY + 59_999 },
  ];
}

/** A catalog seed file (CATALOG_FILE) with the meters, products, customers and subscriptions. */
export function catalogFile(subscriptions: readonly SubscriptionPlan[]): Record<string, unknown[]> {
  const meters = METERS.map((m) => ({
    id: m.id,
    name: m.id,
    event_name: m.event_name,
    aggregation: m.type === 'count' ? { type: 'count' } : { type: m.type, key: m.key },
    measurement_unit: 'units',
    ...(m.filter ? { filter: m.filter } : {}),
  }));
  const products = PRODUCTS.map((p) => ({
    product_id: p.product_id,
    name: p.product_id,
    price: {
      type: 'usage_based_price',
      currency: 'USD',
      fixed_price: p.fixed_price,
      payment_frequency_interval: p.interval,
      payment_frequency_count: 1,
      meters: p.prices.map((price) => ({ meter_id: price.meter_id, price_per_unit: price.price_per_unit, free_threshold: price.free_threshold })),
    },
  }));
  const customers = CUSTOMERS.map((id) => ({ customer_id: id, name: id, email: `${id}@corrections.test` }));
  const subs = subscriptions.map((s) => ({ subscription_id: s.subscription_id, customer_id: s.customer_id, product_id: s.product_id, start: new Date(s.anchor).toISOString(), status: 'active' }));
  return { meters, products, customers, subscriptions: subs };
}

/** Periods [start, end) of a subscription from its anchor that ended by `until` (and before `endsAt`). */
export function closedPeriods(anchor: number, periodMs: number, until: number): { start: number; end: number }[] {
  const periods: { start: number; end: number }[] = [];
  for (let start = anchor; start + periodMs <= until; start += periodMs) periods.push({ start, end: start + periodMs });
  return periods;
}

/** One record to send: the event (or correction) and why it is there. */
export interface Send {
  event: UsageEvent;
  what: 'history' | 'new' | 'backfill' | 'backfill-repeat' | 'batch-resend' | 'beyond-limit' | 'void' | 'amend' | 'correction-resend' | 'duplicate';
}

export interface Step {
  index: number;
  recordTime: number;
  sends: Send[];
}

/** Roles a corrected event played in its window before the correction (the ones worth correcting). */
export type Role = 'max' | 'last' | 'only-key' | 'alone';

export interface Figures {
  outcomes: Record<Outcome, number>;
  sends: Record<Send['what'], number>;
  voidRoles: Record<Role, number>;
  amendRoles: Record<Role, number>;
  amendChanges: Record<'tokens' | 'sign-flip' | 'region' | 'latency' | 'balance' | 'user' | 'drop-tokens', number>;
  /** Amends that moved an event into or out of a filtered meter. */
  filterMoves: Record<'in' | 'out', number>;
  /** Events corrected more than once. */
  correctedTwice: number;
  backfillBatches: number;
  batchesSentTwice: number;
  /** Backfilled events whose time falls in a period invoiced before the stream. */
  intoInvoicedPeriods: number;
}

const zero = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export class CorrectionsWorkload {
  readonly oracle: CorrectedEvents;
  readonly figures: Figures = {
    outcomes: zero(['counted', 'repeat', 'beyond-limit', 'void', 'amend', 'correction-repeat', 'correction-of-nothing']),
    sends: zero(['history', 'new', 'backfill', 'backfill-repeat', 'batch-resend', 'beyond-limit', 'void', 'amend', 'correction-resend', 'duplicate']),
    voidRoles: zero(['max', 'last', 'only-key', 'alone']),
    amendRoles: zero(['max', 'last', 'only-key', 'alone']),
    amendChanges: zero(['tokens', 'sign-flip', 'region', 'latency', 'balance', 'user', 'drop-tokens']),
    filterMoves: zero(['in', 'out']),
    correctedTwice: 0,
    backfillBatches: 0,
    batchesSentTwice: 0,
    intoInvoicedPeriods: 0,
  };
  /** The first copy of every counted event as sent (what a repeat sends again). */
  private readonly firstCopies: UsageEvent[] = [];
  private readonly corrected = new Map<string, number>();
  private readonly scheduled = new Map<number, Send[]>();
  private readonly random: ReturnType<typeof prng>;
  private seq = 0;
  private correctionSeq = 0;
  private batchSeq = 0;
  private step = 0;
  /** Sends that went out (with their outcome), in order. */
  readonly log: { step: number; send: Send; outcome: Outcome; recordTime: number }[] = [];

  constructor(
    seed: number,
    readonly limitMs: number,
    readonly windowMs: number,
    /** Whether an event time falls in a period invoiced before the stream (for the figures). */
    private readonly invoiced: (customerId: string, timestamp: number) => boolean = () => false,
  ) {
    this.random = prng(seed);
    this.oracle = new CorrectedEvents(limitMs, windowMs);
  }

  /** The history: clusters of events up to the limit old (a few beyond it), all sent at `recordTime`. */
  history(recordTime: number, clustersPerCustomer: number): Step {
    const { int, chance, pick } = this.random;
    const sends: Send[] = [];
    for (const customer of CUSTOMERS) {
      for (let c = 0; c < clustersPerCustomer; c++) {
        // Mostly in the past 35 days, some in the open periods (the last 30 minutes, but older than the
        // router's deduplication window).
        const at = chance(0.1) ? recordTime - int(2 * MINUTE, 29 * MINUTE) : recordTime - int(2 * HOUR, this.limitMs - 2 * HOUR);
        for (const event of this.cluster(customer, at, int(1, 6), 'h')) sends.push({ event, what: 'history' });
      }
      for (let i = 0; i < 3; i++) {
        const event = this.newEvent(customer, recordTime - this.limitMs - int(1, 30 * HOUR), 'h');
        sends.push({ event, what: 'beyond-limit' });
      }
    }
    // A few events sent twice within the history.
    for (let i = 0; i < Math.ceil(sends.length / 50); i++) sends.push({ event: { ...pick(sends).event }, what: 'duplicate' });
    return this.commit(sends, recordTime);
  }

  /** The next step of the stream, generated from what was sent so far. `last` flushes every scheduled re-send. */
  next(recordTime: number, last = false): Step {
    const { int, chance, next } = this.random;
    const index = this.step + 1;
    const sends: Send[] = [];
    const due = [...this.scheduled].filter(([at]) => at <= index || last);
    for (const [at, resends] of due) {
      this.scheduled.delete(at);
      for (const send of resends) this.push(sends, send, recordTime);
    }
    const roll = next();
    if (index % 45 === 20) sends.push(...this.beyondLimit(recordTime));
    else if (roll < 0.34) sends.push(...this.newEvents(recordTime, int(20, 60)));
    else if (roll < 0.56) sends.push(...this.backfillBatch(recordTime, index));
    else if (roll < 0.88) sends.push(...this.corrections(recordTime, index, int(4, 16), []));
    else {
      // New events and corrections of some of them in the same send (the events first).
      const fresh = this.newEvents(recordTime, int(10, 20));
      sends.push(...fresh);
      sends.push(...this.corrections(recordTime, index, int(3, 6), fresh.map((s) => s.event)));
    }
    if (chance(0.05)) sends.push(...this.backfillBatch(recordTime, index));
    return this.commit(sends, recordTime, true);
  }

  private commit(sends: Send[], recordTime: number, applied = false): Step {
    this.step += 1;
    const step = { index: this.step, recordTime, sends };
    if (!applied) for (const send of sends) this.apply(send, recordTime);
    return step;
  }

  /** Feeds one send to the oracle now (generation order is send order) and logs it. */
  private apply(send: Send, recordTime: number): Outcome {
    const outcome = this.oracle.apply(send.event, recordTime);
    this.figures.outcomes[outcome] += 1;
    this.figures.sends[send.what] += 1;
    if (outcome === 'counted') {
      this.firstCopies.push(send.event);
      if (send.what === 'backfill' && this.invoiced(send.event.customer_id, send.event.timestamp)) this.figures.intoInvoicedPeriods += 1;
    }
    this.log.push({ step: this.step + 1, send, outcome, recordTime });
    return outcome;
  }

  private push(sends: Send[], send: Send, recordTime: number): void {
    sends.push(send);
    this.apply(send, recordTime);
  }

  private newEvents(recordTime: number, n: number): Send[] {
    const { int, chance, pick } = this.random;
    const sends: Send[] = [];
    let previous: UsageEvent | undefined;
    for (let i = 0; i < n; i++) {
      const customer = pick(CUSTOMERS);
      // Within the router's deduplication window; now and then the same time as the previous event of
      // the customer (the last value then goes to the greater event id).
      const timestamp = previous && previous.customer_id === customer && chance(0.3) ? previous.timestamp : recordTime - int(0, 40_000);
      const event = this.newEvent(customer, timestamp, 'n');
      this.push(sends, { event, what: 'new' }, recordTime);
      previous = event;
      if (chance(0.03)) this.push(sends, { event: { ...event }, what: 'duplicate' }, recordTime);
    }
    return sends;
  }

  private backfillBatch(recordTime: number, index: number): Send[] {
    const { int, chance, pick } = this.random;
    const batchId = `bf-${++this.batchSeq}`;
    this.figures.backfillBatches += 1;
    const sends: Send[] = [];
    for (let c = int(1, 4); c > 0; c--) {
      const customer = pick(CUSTOMERS);
      // Into a window that holds counted events already, or anywhere up to the limit (minus a margin
      // for the time the batch may wait for a resend).
      const mates = chance(0.3) ? this.oracle.live().filter((e) => e.customer_id === customer && e.timestamp < recordTime - 10 * MINUTE) : [];
      const at = mates.length > 0 ? pick(mates).timestamp : recordTime - int(10 * MINUTE, this.limitMs - HOUR);
      for (const event of this.cluster(customer, at, int(2, 12), 'b', batchId)) this.push(sends, { event, what: 'backfill' }, recordTime);
    }
    // Repeats of counted events (history, stream, backfills), exactly as first sent, in this batch.
    for (let r = int(0, Math.ceil(sends.length / 5)); r > 0 && this.firstCopies.length > 0; r--) {
      this.push(sends, { event: { ...pick(this.firstCopies), backfill_id: batchId }, what: 'backfill-repeat' }, recordTime);
    }
    if (chance(0.3)) {
      // The whole batch again later (a backfill job run twice): every record a repeat by then.
      this.figures.batchesSentTwice += 1;
      const at = index + int(3, 60);
      this.scheduled.set(at, [...(this.scheduled.get(at) ?? []), ...sends.map((s) => ({ event: { ...s.event }, what: 'batch-resend' as const }))]);
    }
    return sends;
  }

  /** Events beyond the backfill limit (by the record time), one just inside it, and a void of a refused one. */
  private beyondLimit(recordTime: number): Send[] {
    const { int, pick } = this.random;
    const sends: Send[] = [];
    const customer = pick(CUSTOMERS);
    for (let i = int(2, 5); i > 0; i--) this.push(sends, { event: this.newEvent(customer, recordTime - this.limitMs - int(1, 40 * HOUR), 'x'), what: 'beyond-limit' }, recordTime);
    this.push(sends, { event: this.newEvent(customer, recordTime - this.limitMs - 1, 'x'), what: 'beyond-limit' }, recordTime);
    // Exactly at the limit: counts.
    this.push(sends, { event: this.newEvent(customer, recordTime - this.limitMs, 'x'), what: 'backfill' }, recordTime);
    const refused = sends[0].event;
    this.push(sends, { event: this.correction(refused, 'void', {}), what: 'void' }, recordTime);
    return sends;
  }

  /**
   * Voids and amends of live events: mostly events that hold a role in their window (the max, the
   * last, the only holder of a user id in the users meter, alone), some from `fresh` (sent in this very
   * step). Some corrections are sent twice, at once or a few steps later.
   */
  private corrections(recordTime: number, index: number, n: number, fresh: UsageEvent[]): Send[] {
    const { int, chance, pick, next } = this.random;
    const sends: Send[] = [];
    const live = this.oracle.live();
    if (live.length === 0) return sends;
    for (let i = 0; i < n; i++) {
      let target: LiveEvent | undefined;
      if (fresh.length > 0 && chance(0.6)) {
        const f = pick(fresh);
        target = this.oracle.get(f.customer_id, f.event_id);
      }
      if (!target) {
        const candidates = Array.from({ length: 30 }, () => pick(live)).filter((e) => this.oracle.get(e.customer_id, e.event_id) === e);
        const withRole = candidates.filter((e) => this.roles(e).length > 0);
        target = withRole.length > 0 && chance(0.7) ? pick(withRole) : candidates[0];
      }
      if (!target) continue;
      const roles = this.roles(target);
      const key = `${target.customer_id}\u0000${target.event_id}`;
      const times = (this.corrected.get(key) ?? 0) + 1;
      this.corrected.set(key, times);
      if (times === 2) this.figures.correctedTwice += 1;
      let send: Send;
      if (next() < 0.4) {
        for (const role of roles) this.figures.voidRoles[role] += 1;
        send = { event: this.correction(target, 'void', {}), what: 'void' };
      } else {
        for (const role of roles) this.figures.amendRoles[role] += 1;
        const metadata = this.amended(target);
        for (const meter of METERS.filter((m) => m.filter)) {
          const before = meterTakes(meter, target.event_name, target.metadata);
          const after = meterTakes(meter, target.event_name, metadata);
          if (before !== after) this.figures.filterMoves[after ? 'in' : 'out'] += 1;
        }
        send = { event: this.correction(target, 'amend', metadata), what: 'amend' };
      }
      this.push(sends, send, recordTime);
      if (chance(0.05)) this.push(sends, { event: { ...send.event }, what: 'correction-resend' }, recordTime);
      else if (chance(0.06)) {
        const at = index + int(1, 3);
        this.scheduled.set(at, [...(this.scheduled.get(at) ?? []), { event: { ...send.event }, what: 'correction-resend' }]);
      }
      if (send.what === 'void') live.splice(live.indexOf(target), 1);
    }
    return sends;
  }

  /** The roles `event` holds in its (customer, window) among the live events. */
  roles(event: LiveEvent): Role[] {
    const mates = this.oracle.windowMates(event);
    const roles: Role[] = [];
    if (mates.length === 1) roles.push('alone');
    const latency = METER_BY_ID.get(CF_METERS.latency)!;
    const balance = METER_BY_ID.get(CF_METERS.balance)!;
    const users = METER_BY_ID.get(CF_METERS.users)!;
    if (mates.length > 1 && meterTakes(latency, event.event_name, event.metadata)) {
      const mine = numeric(event.metadata.latency_ms)!;
      if (mates.every((m) => m === event || !meterTakes(latency, m.event_name, m.metadata) || numeric(m.metadata.latency_ms)! <= mine)) roles.push('max');
    }
    if (mates.length > 1 && meterTakes(balance, event.event_name, event.metadata)) {
      const later = (a: LiveEvent, b: LiveEvent) => a.timestamp > b.timestamp || (a.timestamp === b.timestamp && a.event_id > b.event_id);
      if (mates.every((m) => m === event || !meterTakes(balance, m.event_name, m.metadata) || later(event, m))) roles.push('last');
    }
    if (mates.length > 1 && meterTakes(users, event.event_name, event.metadata)) {
      const key = text(event.metadata.user_id);
      if (mates.every((m) => m === event || !meterTakes(users, m.event_name, m.metadata) || text(m.metadata.user_id) !== key)) roles.push('only-key');
    }
    return roles;
  }

  /** New metadata for an amend: one to three changes, each chosen to move a value, a sign or a filter. */
  private amended(target: LiveEvent): Record<string, MetadataValue> {
    const { int, chance, pick } = this.random;
    const metadata = { ...target.metadata };
    const kinds = ['tokens', 'sign-flip', 'region', 'latency', 'balance', 'user', 'drop-tokens'] as const;
    const chosen = new Set<(typeof kinds)[number]>();
    for (let i = int(1, 3); i > 0; i--) chosen.add(chance(0.03) ? 'drop-tokens' : pick(kinds.slice(0, 6)));
    for (const kind of chosen) {
      this.figures.amendChanges[kind] += 1;
      switch (kind) {
        case 'tokens':
          metadata.tokens = { decimal: this.tokens() };
          break;
        case 'sign-flip': {
          const current = numeric(metadata.tokens) ?? 1n;
          const flipped = current === 0n ? parseTokens(this.tokens()) : -current;
          metadata.tokens = { decimal: formatScaled(flipped) };
          break;
        }
        case 'region':
          metadata.region = pick(['eu', 'us', 'ap'].filter((r) => r !== metadata.region));
          break;
        case 'latency':
          // Across the users meter's threshold, and often above the window's max.
          metadata.latency_ms = this.latency(chance(0.5) ? int(SLOW_MS + 1, 4000) : int(1, SLOW_MS));
          break;
        case 'balance':
          metadata.balance = { decimal: this.balance() };
          break;
        case 'user':
          metadata.user_id = this.user();
          break;
        case 'drop-tokens':
          delete metadata.tokens;
          break;
      }
    }
    return metadata;
  }

  private correction(target: Pick<UsageEvent, 'event_id' | 'customer_id' | 'event_name' | 'timestamp'>, kind: 'void' | 'amend', metadata: Record<string, MetadataValue>): UsageEvent {
    return {
      event_id: target.event_id,
      customer_id: target.customer_id,
      event_name: target.event_name,
      timestamp: target.timestamp,
      metadata,
      ingested_at: null,
      backfill_id: null,
      correction: { correction_id: `cor-${++this.correctionSeq}`, kind, requested_by: 'corrections-fault-test', reason: kind === 'void' ? 'duplicate charge' : 'wrong values' },
    };
  }

  /** Events of one customer in the minute window of `at`, some sharing a timestamp. */
  private cluster(customer: string, at: number, size: number, tag: string, backfillId: string | null = null): UsageEvent[] {
    const { int, chance } = this.random;
    const windowStart = at - (at % this.windowMs);
    const events: UsageEvent[] = [];
    for (let i = 0; i < size; i++) {
      const timestamp = events.length > 0 && chance(0.2) ? events[events.length - 1].timestamp : windowStart + int(0, this.windowMs - 1);
      events.push({ ...this.newEvent(customer, timestamp, tag), backfill_id: backfillId });
    }
    return events;
  }

  private newEvent(customer: string, timestamp: number, tag: string): UsageEvent {
    const { chance, pick, int } = this.random;
    return {
      event_id: `${tag}-${(++this.seq).toString().padStart(6, '0')}`,
      customer_id: customer,
      event_name: EVENT_NAME,
      timestamp,
      metadata: {
        region: pick(['eu', 'eu', 'us', 'ap']),
        tokens: { decimal: this.tokens() },
        latency_ms: this.latency(chance(0.15) ? int(SLOW_MS + 1, 3000) : int(1, SLOW_MS)),
        balance: { decimal: this.balance() },
        user_id: this.user(),
      },
      ingested_at: null,
      backfill_id: null,
      correction: null,
    };
  }

  /** Tokens: up to 6 fraction digits, a few negative (refunds). */
  private tokens(): string {
    const { int, chance } = this.random;
    // n / 10^k, k fraction digits (scale 12 below).
    const k = int(0, 6);
    return formatScaled(BigInt(int(0, 5_000_000)) * 10n ** BigInt(12 - k) * (chance(0.08) ? -1n : 1n));
  }

  /** Latency in ms with up to 3 fraction digits; now and then as numeric text rather than a decimal. */
  private latency(whole: number): MetadataValue {
    const { int, chance } = this.random;
    const value = `${whole}${chance(0.5) ? `.${int(0, 999).toString().padStart(3, '0').replace(/0+$/, '') || '5'}` : ''}`;
    return chance(0.1) ? value : { decimal: value };
  }

  private balance(): string {
    const { int } = this.random;
    return formatScaled(BigInt(int(-50_000, 1_000_000)) * 10n ** 10n);
  }

  private user(): string {
    const { int, chance } = this.random;
    return chance(0.15) ? `rare-${++this.seq}` : `u${int(0, 14)}`;
  }
}

function parseTokens(textValue: string): bigint {
  return numeric({ decimal: textValue })!;
}
