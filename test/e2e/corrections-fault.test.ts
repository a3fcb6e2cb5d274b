import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import {
  connectPlatform,
  createLogger,
  loadConfig,
  openWarehouse,
  periodUsageQuery,
  sinkProgressQuery,
  SINK_NAMES,
  totalOf,
  usageWindowsQuery,
  type MeterstreamConfig,
  type PeriodUsageRow,
  type Warehouse,
} from '@meterstream/common';
import { createBilling } from '@meterstream/billing';
import type { Invoice, InvoiceLine } from '@meterstream/domain';
import { oracleMeterLine } from '../support/billing-oracle';
import { ChildService } from '../support/child-service';
import { formatScaled, normalizeDecimal, parseScaled } from '../support/exact-decimal';
import { rangeUsage, windowUsage, type LiveEvent } from '../support/corrections-oracle';
import { between, deleteSubjects, FaultPipeline, FaultTimeline, faultTopics, insertsSoFar, sleep, Supervised } from '../support/fault-harness';
import {
  catalogFile,
  closedPeriods,
  CorrectionsWorkload,
  CUSTOMERS,
  DAY,
  METER_BY_ID,
  METERS,
  MINUTE,
  PRODUCT_BY_ID,
  subscriptionPlans,
  type Step,
  type SubscriptionPlan,
} from '../support/corrections-workload';

// The acceptance test of usage corrections (backfill, void, amend), end to end: a history of events up
// to 35 days old is invoiced; then a stream of new events, backfill batches (up to 35 days back, into
// invoiced periods, some batches sent twice, some repeating counted events), voids and amends of
// accepted events (the max, the last, the only holder of a user id of their window; amends that change
// a value, a filtered key, the sign of a sum) and re-sent corrections goes straight to Kafka while the
// meter-router and the aggregator, each its own process, are killed with SIGKILL (the router three times
// while it routes, the aggregator six times: after inserts, mid-insert, in start-up, just after flushes
// of corrections). Afterwards every (meter, customer, minute) usage and every
// period total read with the project's query builders, and every invoice line of the next invoices
// (the open periods closed by cancelling the subscriptions; adjustment lines for the invoiced periods),
// equals a recomputation from scratch over the corrected event set (test/support/corrections-oracle.ts:
// BigInt, no service code), to the last digit.
//
// The router's deduplication window is 1 minute here (ROUTER_DEDUP_WINDOW_MINUTES, its minimum), so
// that repeats reach all three places that drop them: the router's batch, its window, and the usage
// sink's lookup of stored records (a backfill of an event the meter counted before).
// CORRECTIONS_FAULT_SEED replays a workload's choices; CORRECTIONS_FAULT_STEPS sets the stream's length.

const REPO_ROOT = path.resolve(__dirname, '../..');
const SEED = process.env.CORRECTIONS_FAULT_SEED ? Number(process.env.CORRECTIONS_FAULT_SEED) : Date.now() % 2_147_483_647;
const STEPS = Number(process.env.CORRECTIONS_FAULT_STEPS ?? 220);
const HISTORY_CLUSTERS_PER_CUSTOMER = 100;
const PACE_MS = 250;
const WINDOW_MS = 60_000; // AGGREGATOR_WINDOW_SECONDS, default
const LIMIT_MS = 35 * DAY; // BACKFILL_MAX_AGE_DAYS, default
const DEDUP_WINDOW_MINUTES = 1;
/**
 * When each aggregator kill lands: at a random moment after its first insert into meter_usage, while an
 * insert is being written, during start-up, or just after a flush that wrote corrections
 * (corrected_windows; a flush of corrections alone leaves the stored progress where it was, so the
 * restarted aggregator applies them again, in flushes cut elsewhere).
 */
const AGGREGATOR_KILL_PLAN = ['after-insert', 'after-correction', 'mid-insert', 'start-up', 'after-correction', 'after-insert'] as const;
const ROUTER_KILLS = 3;
const BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const REGISTRY_URL = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7';

const PREFIX = `t${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}.corrfault.`;
const TOPICS = faultTopics(PREFIX, METERS.map((m) => m.id));

const iso = (ms: number) => new Date(ms).toISOString();
const canon = (text: string | null | undefined) => (text === null || text === undefined ? null : normalizeDecimal(text));

interface ComparableLine {
  type: string;
  meter_id: string | null;
  units_consumed: string | null;
  amount: string;
  adjusted_period_start: string | null;
  adjusted_period_end: string | null;
}

const comparable = (l: InvoiceLine): ComparableLine => ({
  type: l.type,
  meter_id: l.meter_id,
  units_consumed: canon(l.units_consumed),
  amount: canon(l.amount)!,
  adjusted_period_start: l.adjusted_period_start ?? null,
  adjusted_period_end: l.adjusted_period_end ?? null,
});
const lineOrder = (a: ComparableLine, b: ComparableLine) =>
  `${a.type}|${a.adjusted_period_start}|${a.meter_id}`.localeCompare(`${b.type}|${b.adjusted_period_start}|${b.meter_id}`);

describe('usage corrections end to end: backfills, voids and amends under SIGKILL of the router and the aggregator', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meterstream-corrections-fault-'));
  const dataDir = path.join(dir, 'clickhouse');
  const catalogPath = path.join(dir, 'catalog.json');
  const timeline = new FaultTimeline(path.join(dir, 'progress.log'));
  const { note, notes, until, started: suiteStarted } = timeline;
  const T0 = suiteStarted;
  const plans = subscriptionPlans(T0);
  const serviceEnv = {
    KAFKA_BROKERS: BROKERS,
    SCHEMA_REGISTRY_URL: REGISTRY_URL,
    TOPIC_PREFIX: PREFIX,
    CATALOG_FILE: catalogPath,
    ROUTER_DEDUP_WINDOW_MINUTES: String(DEDUP_WINDOW_MINUTES),
    INGEST_MAX_EVENT_AGE_SECONDS: '60',
    LOG_LEVEL: process.env.CORRECTIONS_FAULT_LOG_LEVEL ?? 'warn',
  };
  const router = new Supervised(new ChildService('meter-router', serviceEnv, path.join(dir, 'meter-router.log')), { maxRestarts: 20 });
  const aggregator = new Supervised(
    new ChildService('aggregator', { ...serviceEnv, CLICKHOUSE_URL: '', CLICKHOUSE_DATA_DIR: dataDir, AGGREGATOR_FLUSH_INTERVAL_MS: '200' }, path.join(dir, 'aggregator.log')),
    { maxRestarts: 20 },
  );
  /** Billing runs in this process, on the aggregator's data directory while the aggregator is stopped. */
  const billingConfig: MeterstreamConfig = loadConfig({
    ...process.env,
    ...serviceEnv,
    CATALOG_FILE: '',
    CLICKHOUSE_URL: '',
    CLICKHOUSE_DATA_DIR: dataDir,
    BILLING_GRACE_SECONDS: '0',
    BILLING_TICK_MS: '3600000',
    BILLING_CATCH_UP_TIMEOUT_MS: '30000',
  });
  const kafka = new Kafka({ clientId: 'corrections-fault-test', brokers: BROKERS.split(','), logLevel: logLevel.NOTHING });
  const pipeline = new FaultPipeline({ timeline, kafka, topics: TOPICS, router, aggregator, dataDir });
  const registry = new SchemaRegistry({ host: REGISTRY_URL }, { [SchemaType.AVRO]: { wrapUnions: false } });
  let passed = false;
  let reported = false;

  /**
   * Waits until the aggregator has made everything durable, then stops it (SIGTERM) and opens its
   * directory here: its Kafka offsets at the end and quiet for 3 s, then stopped, then the progress it
   * stored in ClickHouse (what billing waits on) must reach the end of every meter partition and of
   * `events`; otherwise it is started again and the look repeats. Resolves with the open warehouse.
   */
  async function stopAggregatorCaughtUp(label: string): Promise<Warehouse> {
    const deadline = Date.now() + 240_000;
    for (let look = 1; ; look++) {
      await pipeline.aggregatorIdle(`the aggregator to catch up (${label})`);
      const ended = await aggregator.stopGracefully(30_000);
      const warehouse = await openWarehouse(billingConfig);
      const behind = await sinkBehind(warehouse);
      note(`${label}: aggregator look ${look}: stopped (${ended}); ${behind.length === 0 ? 'durable to the end of every partition' : `behind: ${behind.join(', ')}`}`);
      if (behind.length === 0) return warehouse;
      await warehouse.close();
      if (Date.now() > deadline) throw new Error(`the aggregator did not make everything durable: ${behind.join(', ')}`);
      await pipeline.restartAggregator();
    }
  }

  /** Partitions whose stored progress (sink_progress) is short of the partition's end. */
  async function sinkBehind(warehouse: Warehouse): Promise<string[]> {
    const behind: string[] = [];
    for (const [sink, topics] of [
      [SINK_NAMES.usage, TOPICS.meters],
      [SINK_NAMES.rawEvents, [TOPICS.events]],
    ] as const) {
      const { query, params } = sinkProgressQuery(sink, topics);
      const rows = await warehouse.query<{ topic: string; partition: number; durable: string }>(query, params);
      const durable = new Map(rows.map((r) => [`${r.topic}#${Number(r.partition)}`, BigInt(r.durable)]));
      for (const topic of topics) {
        for (const end of await pipeline.withAdmin((client) => client.fetchTopicOffsets(topic))) {
          const at = durable.get(`${topic}#${end.partition}`) ?? 0n;
          if (BigInt(end.high) > 0n && at < BigInt(end.high)) behind.push(`${sink} ${topic}#${end.partition} at ${at} of ${end.high}`);
        }
      }
    }
    return behind;
  }

  /** One billing tick in this process at `now`, after cancelling the given subscriptions at `cancelAt`. */
  async function runBilling(warehouse: Warehouse, now: number, cancel?: { at: number; subscriptions: readonly SubscriptionPlan[] }): Promise<Invoice[]> {
    const logger = createLogger(process.env.CORRECTIONS_FAULT_LOG_LEVEL ?? 'warn', 'corrections-fault-billing');
    const platform = await connectPlatform(billingConfig, logger, 'corrections-fault-billing');
    try {
      for (const plan of cancel?.subscriptions ?? []) {
        const current = platform.catalog.store.get('subscriptions', plan.subscription_id)!;
        await platform.catalog.put('subscriptions', plan.subscription_id, { ...current, status: 'cancelled', ends_at: iso(cancel!.at), cancel_at_period_end: false });
      }
      const billing = createBilling(billingConfig, platform, warehouse, logger);
      await billing.start({ schedule: false });
      try {
        return await billing.tick(now);
      } finally {
        await billing.stop();
      }
    } finally {
      await platform.stop();
    }
  }

  let schemaId = 0;
  /** Sends a step's records (key: customer id; Kafka record time: the step's, which the oracle used). */
  async function send(step: Step): Promise<void> {
    for (let i = 0; i < step.sends.length; i += 500) {
      const messages: Message[] = await Promise.all(
        step.sends.slice(i, i + 500).map(async ({ event }) => ({ key: event.customer_id, value: await registry.encode(schemaId, event), timestamp: String(step.recordTime) })),
      );
      await (await pipeline.connectedProducer()).send({ topic: TOPICS.events, acks: -1, messages });
    }
  }

  beforeAll(async () => {
    execFileSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), ['-b'], { cwd: REPO_ROOT, stdio: 'pipe', timeout: 240_000 });
    fs.writeFileSync(catalogPath, JSON.stringify(catalogFile(plans), null, 2));
    await pipeline.start();
    schemaId = await pipeline.registerEventSchema(registry);
    note(`router and aggregator running (prefix ${PREFIX}, seed ${SEED})`);
  }, 300_000);

  afterAll(async () => {
    timeline.closing = true;
    await pipeline.close(async (admin) => {
      const mine = (await admin.listTopics().catch(() => [] as string[])).filter((t) => t.startsWith(PREFIX));
      await admin.deleteTopics({ topics: mine }).catch(() => undefined);
    });
    await deleteSubjects(REGISTRY_URL, PREFIX);
    if (!reported) console.log([`[corrections-fault] prefix ${PREFIX}, seed ${SEED}; ended before its report. Timeline:`, ...notes].join('\n'));
    if (passed) fs.rmSync(dir, { recursive: true, force: true });
    else console.log(`[corrections-fault] kept ${dir} (progress.log, service logs, ClickHouse data)`);
  }, 120_000);

  it('afterwards every window, period total and adjustment line equals a recomputation over the corrected event set', async () => {
    const testStarted = Date.now();
    const invoicedBefore = new Map<string, { start: number; end: number }[]>();
    const workload = new CorrectionsWorkload(SEED, LIMIT_MS, WINDOW_MS, (customerId, timestamp) =>
      (invoicedBefore.get(customerId) ?? []).some((p) => timestamp >= p.start && timestamp < p.end),
    );

    // 1. History: events up to 35 days old (a few beyond), invoiced once the pipeline has them.
    const history = workload.history(Date.now(), HISTORY_CLUSTERS_PER_CUSTOMER);
    await send(history);
    note(`history: ${history.sends.length} records sent (${workload.figures.outcomes.counted} counted, ${workload.figures.outcomes['beyond-limit']} beyond the limit)`);
    await pipeline.routerCaughtUp(300_000);
    const historySet = workload.oracle.snapshot();
    const firstTick = Date.now();
    let firstInvoices: Invoice[];
    {
      const warehouse = await stopAggregatorCaughtUp('history');
      try {
        firstInvoices = await runBilling(warehouse, firstTick);
      } finally {
        await warehouse.close();
      }
    }
    for (const plan of plans) invoicedBefore.set(plan.customer_id, closedPeriods(plan.anchor, PRODUCT_BY_ID.get(plan.product_id)!.periodMs, firstTick));
    note(`first billing run: ${firstInvoices.length} invoices`);
    await pipeline.restartAggregator();

    // The invoices of the history equal the oracle's (the baseline the adjustments are measured from).
    const expectedFirst = plans.flatMap((plan) => invoicedBefore.get(plan.customer_id)!.map((period) => expectedInvoice(plan, period, historySet)));
    expect(firstInvoices.map(comparableInvoice).sort(invoiceOrder)).toEqual(expectedFirst.sort(invoiceOrder));

    // 2. The stream, with the kills.
    const stream = { sent: 0, records: 0 };
    const chaos = { aggregatorKills: [] as string[], routerKills: [] as string[] };
    const produceAll = async () => {
      for (let b = 0; b < STEPS; b++) {
        const killsDue = Math.floor((AGGREGATOR_KILL_PLAN.length * (b + 1)) / STEPS);
        await until(() => (chaos.aggregatorKills.length >= killsDue ? true : undefined), 300_000, `aggregator kill ${killsDue}`, 50);
        if (b === STEPS - 1) await until(() => (chaos.routerKills.length >= ROUTER_KILLS ? true : undefined), 300_000, 'the router kills', 50);
        const step = workload.next(Date.now(), b === STEPS - 1);
        await send(step);
        stream.sent = b + 1;
        stream.records += step.sends.length;
        await sleep(PACE_MS);
      }
      note(`stream: ${stream.records} records in ${STEPS} sends`);
    };
    /** 0-150 ms after the aggregator's next flush that wrote corrected windows (if one comes within 30 s). */
    const afterCorrectionFlush = async (): Promise<string> => {
      const corrected = insertsSoFar(dataDir, 'corrected_windows').blocks;
      const seen = await until(() => (insertsSoFar(dataDir, 'corrected_windows').blocks > corrected ? true : undefined), 30_000, 'a flush of corrections', 5).catch(() => false);
      const delay = between(0, 150);
      await sleep(delay);
      return seen ? `${delay} ms after a flush wrote corrected windows` : 'no flush of corrections within 30 s';
    };
    const killAggregator = async () => {
      for (const plan of AGGREGATOR_KILL_PLAN) {
        const moment = plan === 'after-correction' ? await afterCorrectionFlush() : (await pipeline.killMoment(plan)).moment;
        const pid = aggregator.service.pid;
        await aggregator.kill('SIGKILL');
        const line = `aggregator kill ${chaos.aggregatorKills.length + 1}: SIGKILL pid ${pid} ${moment}, up ${Date.now() - aggregator.startedAt} ms; ${stream.sent}/${STEPS} sends`;
        chaos.aggregatorKills.push(line);
        note(line);
        await sleep(between(200, 1000));
        aggregator.start();
      }
    };
    const killRouter = async () => {
      for (let k = 1; k <= ROUTER_KILLS; k++) {
        const at = Math.floor((STEPS * (k * 2 - 1)) / (ROUTER_KILLS * 2));
        await until(() => (stream.sent >= at ? true : undefined), 600_000, `${at} sends`, 50);
        // While it has records to route (its transactions open), if that shows within 10 s.
        const position = await until(async () => {
          const p = await pipeline.routerPosition();
          return p.behind > 0 ? p : undefined;
        }, 10_000, 'records for the router', 10).catch(() => undefined);
        await sleep(between(0, 100));
        const pid = router.service.pid;
        await router.kill('SIGKILL');
        const line = `router kill ${k}: SIGKILL pid ${pid}; ${stream.sent}/${STEPS} sends, router ${position ? `${position.behind} records behind just before` : 'idle'}`;
        chaos.routerKills.push(line);
        note(line);
        await sleep(between(300, 1500));
        router.start();
      }
    };
    const streamStarted = Date.now();
    await Promise.all([produceAll(), killAggregator(), killRouter()]);
    const streamMs = Date.now() - streamStarted;

    // 3. Caught up: the router committed every events offset, the aggregator made everything durable.
    await pipeline.routerCaughtUp(300_000);
    note('router caught up');
    const warehouse = await stopAggregatorCaughtUp('stream');
    try {
      const live = workload.oracle.live();
      const sentTimes = workload.log.map((l) => l.send.event.timestamp);
      const rangeStart = Math.min(...sentTimes) - (Math.min(...sentTimes) % WINDOW_MS) - WINDOW_MS;
      const rangeEnd = Math.max(...sentTimes) - (Math.max(...sentTimes) % WINDOW_MS) + 2 * WINDOW_MS;

      // 4. Every (meter, customer, minute window), as GET /usage?window=minute reads it.
      const expectedWindows = windowUsage(METERS, live, WINDOW_MS);
      const actualWindows = new Map<string, string>();
      for (const meter of METERS) {
        for (const customerId of CUSTOMERS) {
          const { query, params } = usageWindowsQuery({ meterId: meter.id, aggregation: meter.type, customerId, start: rangeStart, end: rangeEnd, windowMs: WINDOW_MS }, 'minute');
          // bucket: ISO 8601 UTC text ("2026-10-26T19:03:00Z").
          for (const row of await warehouse.query<{ bucket: string; value: string }>(query, params)) {
            actualWindows.set(`${meter.id}|${customerId}|${Date.parse(row.bucket)}`, normalizeDecimal(row.value));
          }
        }
      }
      const windowDiff = compareMaps(expectedWindows, actualWindows);

      // 5. Every period of every subscription (invoiced and open up to the cancellation), as billing reads it.
      const cancelAt = Date.now();
      const periodsOf = (plan: SubscriptionPlan) => {
        const closed = invoicedBefore.get(plan.customer_id)!;
        return [...closed, { start: closed.length > 0 ? closed[closed.length - 1].end : plan.anchor, end: cancelAt }];
      };
      const expectedPeriods = new Map<string, string>();
      const actualPeriods = new Map<string, string>();
      for (const plan of plans) {
        for (const period of periodsOf(plan)) {
          const { query, params } = periodUsageQuery(METERS.map((m) => m.id), [plan.customer_id], period.start, period.end, WINDOW_MS);
          const rows = await warehouse.query<PeriodUsageRow>(query, params);
          for (const meter of METERS) {
            const key = `${plan.subscription_id} ${iso(period.start)}..${iso(period.end)} ${meter.id}`;
            expectedPeriods.set(key, rangeUsage(meter, live, plan.customer_id, period.start, period.end));
            actualPeriods.set(key, normalizeDecimal(totalOf(meter.type, rows.find((r) => r.meter_id === meter.id))));
          }
        }
      }
      const periodDiff = compareMaps(expectedPeriods, actualPeriods);

      // 6. The open periods close (the subscriptions are cancelled now): one invoice each, carrying an
      // adjustment line for every invoiced period and meter whose corrected usage differs from what
      // was billed for it.
      const finalInvoices = await runBilling(warehouse, Date.now(), { at: cancelAt, subscriptions: plans });
      const expectedFinal = plans.map((plan) => {
        const closed = invoicedBefore.get(plan.customer_id)!;
        const own = expectedInvoice(plan, { start: closed.length > 0 ? closed[closed.length - 1].end : plan.anchor, end: cancelAt }, live);
        const billed = firstInvoices.filter((i) => i.subscription_id === plan.subscription_id);
        return withTotal({ ...own, lines: [...own.lines, ...expectedAdjustments(plan, billed, live)] });
      });
      const actualFinal = finalInvoices.map(comparableInvoice);
      const adjustmentKey = (subscriptionId: string, l: ComparableLine) => `${subscriptionId} ${l.adjusted_period_start}..${l.adjusted_period_end} ${l.meter_id}`;
      const adjustmentsOf = (invoices: { subscription_id: string; lines: ComparableLine[] }[]) =>
        invoices.flatMap((i) => i.lines.filter((l) => l.type === 'adjustment').map((l) => [adjustmentKey(i.subscription_id, l), `units ${l.units_consumed}, amount ${l.amount}`] as const));
      const adjustmentLines = adjustmentsOf(expectedFinal);
      const actualAdjustments = adjustmentsOf(actualFinal);
      const adjustmentDiff = compareMaps(new Map(adjustmentLines), new Map(actualAdjustments));

      const f = workload.figures;
      const runtimeMs = Date.now() - suiteStarted;
      console.log(
        [
          `[corrections-fault] prefix ${PREFIX}, seed ${SEED} (CORRECTIONS_FAULT_SEED), data ${dir}`,
          ...notes,
          `records sent: ${workload.log.length} (${Object.entries(f.sends).map(([k, v]) => `${k} ${v}`).join(', ')})`,
          `oracle outcomes: ${Object.entries(f.outcomes).map(([k, v]) => `${k} ${v}`).join(', ')}; ${live.length} live events`,
          `backfill batches ${f.backfillBatches} (${f.batchesSentTwice} sent twice), ${f.intoInvoicedPeriods} backfilled events into invoiced periods; ` +
            `${f.correctedTwice} events corrected more than once`,
          `voids by role: ${JSON.stringify(f.voidRoles)}; amends by role: ${JSON.stringify(f.amendRoles)}; amend changes: ${JSON.stringify(f.amendChanges)}; filter moves ${JSON.stringify(f.filterMoves)}`,
          `kills: aggregator SIGKILL ×${chaos.aggregatorKills.length}, router SIGKILL ×${chaos.routerKills.length}; exits by themselves: ${[...router.unexpectedExits, ...aggregator.unexpectedExits].join('; ') || 'none'}`,
          `windows: ${expectedWindows.size} expected, ${actualWindows.size} read; missing ${windowDiff.missing.length}, extra ${windowDiff.extra.length}, wrong ${windowDiff.wrong.length}`,
          `period totals: ${expectedPeriods.size} compared; wrong ${periodDiff.wrong.length}`,
          `invoices: ${firstInvoices.length} before the stream, ${finalInvoices.length} after; adjustment lines: ${adjustmentLines.length} expected, ${actualAdjustments.length} issued; ` +
            `missing ${adjustmentDiff.missing.length}, extra ${adjustmentDiff.extra.length}, wrong ${adjustmentDiff.wrong.length}`,
          `runtime: ${(runtimeMs / 1000).toFixed(1)} s (stream and kills ${(streamMs / 1000).toFixed(1)} s, test ${((Date.now() - testStarted) / 1000).toFixed(1)} s)`,
        ].join('\n'),
      );
      reported = true;
      for (const [label, diff] of [
        ['window', windowDiff],
        ['period', periodDiff],
        ['adjustment', adjustmentDiff],
      ] as const) {
        const first = [...diff.missing, ...diff.extra, ...diff.wrong].slice(0, 8);
        if (first.length > 0) console.log(`[corrections-fault] ${label} differences (first ${first.length}):\n${first.map((d) => `- ${d}\n${explain(d, live, workload)}`).join('\n')}`);
      }

      // The run did what it claims.
      expect(chaos.aggregatorKills.length).toBe(AGGREGATOR_KILL_PLAN.length);
      expect(chaos.routerKills.length).toBe(ROUTER_KILLS);
      expect(f.outcomes.void).toBeGreaterThan(50);
      expect(f.outcomes.amend).toBeGreaterThan(50);
      expect(f.outcomes['correction-repeat']).toBeGreaterThan(0);
      expect(f.outcomes['beyond-limit']).toBeGreaterThan(0);
      expect(f.sends['backfill-repeat']).toBeGreaterThan(0);
      expect(f.batchesSentTwice).toBeGreaterThan(0);
      expect(f.intoInvoicedPeriods).toBeGreaterThan(0);
      expect(f.amendChanges['sign-flip']).toBeGreaterThan(0);
      expect(f.filterMoves.in).toBeGreaterThan(0);
      expect(f.filterMoves.out).toBeGreaterThan(0);
      for (const role of ['max', 'last', 'only-key', 'alone'] as const) expect(f.voidRoles[role] + f.amendRoles[role]).toBeGreaterThan(0);
      expect(adjustmentLines.length).toBeGreaterThan(0);

      // Usage: every window and every period total, to the last digit.
      expect({ missing: windowDiff.missing.slice(0, 10), extra: windowDiff.extra.slice(0, 10), wrong: windowDiff.wrong.slice(0, 10) }).toEqual({ missing: [], extra: [], wrong: [] });
      expect(periodDiff.wrong.slice(0, 10)).toEqual([]);

      // Billing: every adjustment line (units and amount) as the oracle computes it, none missing, none extra.
      expect({ missing: adjustmentDiff.missing.slice(0, 10), extra: adjustmentDiff.extra.slice(0, 10), wrong: adjustmentDiff.wrong.slice(0, 10) }).toEqual({ missing: [], extra: [], wrong: [] });
      // Per invoiced period and meter: billed units + adjustment units = the corrected units.
      const unitsWrong: string[] = [];
      for (const invoice of firstInvoices) {
        const plan = plans.find((p) => p.subscription_id === invoice.subscription_id)!;
        for (const meter of METERS) {
          const billed = parseScaled(invoice.lines.find((l) => l.type === 'meter' && l.meter_id === meter.id)!.units_consumed!);
          const adjusted = finalInvoices
            .filter((i) => i.subscription_id === plan.subscription_id)
            .flatMap((i) => i.lines)
            .filter((l) => l.type === 'adjustment' && l.meter_id === meter.id && l.adjusted_period_start === invoice.period_start)
            .reduce((s, l) => s + parseScaled(l.units_consumed!), 0n);
          const corrected = rangeUsage(meter, live, plan.customer_id, Date.parse(invoice.period_start), Date.parse(invoice.period_end));
          if (formatScaled(billed + adjusted) !== corrected) unitsWrong.push(`${plan.subscription_id} ${invoice.period_start} ${meter.id}: billed ${formatScaled(billed)} + adjusted ${formatScaled(adjusted)}, corrected ${corrected}`);
        }
      }
      expect(unitsWrong.slice(0, 10)).toEqual([]);
      // One final invoice per subscription, every line and the total as the oracle prices them.
      expect(actualFinal.sort(invoiceOrder)).toEqual(expectedFinal.sort(invoiceOrder));
    } finally {
      await warehouse.close();
    }
    passed = true;
  }, 900_000);
});

/** The invoice the oracle expects for one period of a subscription over an event set (no adjustments). */
function expectedInvoice(plan: SubscriptionPlan, period: { start: number; end: number }, events: readonly LiveEvent[]) {
  const product = PRODUCT_BY_ID.get(plan.product_id)!;
  const lines: ComparableLine[] = [
    { type: 'fixed', meter_id: null, units_consumed: null, amount: String(product.fixed_price), adjusted_period_start: null, adjusted_period_end: null },
    ...product.prices.map((price) => {
      const units = rangeUsage(METER_BY_ID.get(price.meter_id)!, events, plan.customer_id, period.start, period.end);
      return { type: 'meter', meter_id: price.meter_id, units_consumed: units, amount: oracleMeterLine(price, units).amount, adjusted_period_start: null, adjusted_period_end: null };
    }),
  ];
  return withTotal({ subscription_id: plan.subscription_id, period_start: iso(period.start), period_end: iso(period.end), lines, total: '' });
}

/** Lines in a stable order and total = Σ rounded line amounts. */
function withTotal<T extends { lines: ComparableLine[]; total: string | null }>(invoice: T): T {
  return { ...invoice, lines: [...invoice.lines].sort(lineOrder), total: String(invoice.lines.reduce((s, l) => s + BigInt(l.amount), 0n)) };
}

/**
 * The adjustment lines of a subscription's next invoice: for every invoiced period and meter whose
 * corrected usage differs from the units billed, units = corrected − billed and amount =
 * charge(corrected) − charge(billed), each charge rounded once, half-up (docs/billing.md).
 */
function expectedAdjustments(plan: SubscriptionPlan, billedInvoices: readonly Invoice[], events: readonly LiveEvent[]): ComparableLine[] {
  const product = PRODUCT_BY_ID.get(plan.product_id)!;
  const lines: ComparableLine[] = [];
  for (const invoice of billedInvoices) {
    for (const price of product.prices) {
      const billed = canon(invoice.lines.find((l) => l.type === 'meter' && l.meter_id === price.meter_id)!.units_consumed)!;
      const corrected = rangeUsage(METER_BY_ID.get(price.meter_id)!, events, plan.customer_id, Date.parse(invoice.period_start), Date.parse(invoice.period_end));
      if (corrected === billed) continue;
      lines.push({
        type: 'adjustment',
        meter_id: price.meter_id,
        units_consumed: formatScaled(parseScaled(corrected) - parseScaled(billed)),
        amount: String(BigInt(oracleMeterLine(price, corrected).amount) - BigInt(oracleMeterLine(price, billed).amount)),
        adjusted_period_start: invoice.period_start,
        adjusted_period_end: invoice.period_end,
      });
    }
  }
  return lines;
}

/** An invoice as the oracle predicts it: period, lines in canonical text, total = Σ rounded lines. */
function comparableInvoice(i: Invoice) {
  return { subscription_id: i.subscription_id, period_start: i.period_start, period_end: i.period_end, lines: i.lines.map(comparable).sort(lineOrder), total: canon(i.total) };
}

function invoiceOrder(a: { subscription_id: string; period_start: string }, b: { subscription_id: string; period_start: string }): number {
  return `${a.subscription_id}|${a.period_start}`.localeCompare(`${b.subscription_id}|${b.period_start}`);
}

function compareMaps(expected: Map<string, string>, actual: Map<string, string>): { missing: string[]; extra: string[]; wrong: string[] } {
  const missing: string[] = [];
  const extra: string[] = [];
  const wrong: string[] = [];
  for (const [key, want] of expected) {
    const got = actual.get(key);
    if (got === undefined) missing.push(`${key}: expected ${want}, absent`);
    else if (got !== want) wrong.push(`${key}: expected ${want}, got ${got}`);
  }
  for (const [key, got] of actual) if (!expected.has(key)) extra.push(`${key}: not expected, got ${got}`);
  return { missing, extra, wrong };
}

/** For a differing window: every record sent for that customer and window, with what the oracle made of it. */
function explain(difference: string, live: readonly LiveEvent[], workload: CorrectionsWorkload): string {
  const [meterId, customerId, windowText] = difference.split(':')[0].split('|');
  const windowStart = Number(windowText);
  if (!Number.isFinite(windowStart)) return '';
  const sends = workload.log.filter(
    (l) => l.send.event.customer_id === customerId && l.send.event.timestamp >= windowStart && l.send.event.timestamp < windowStart + WINDOW_MS,
  );
  const liveIds = new Set(live.filter((e) => e.customer_id === customerId).map((e) => e.event_id));
  return sends
    .slice(0, 40)
    .map((l) => `    step ${l.step} ${l.send.what} ${l.send.event.event_id}@${iso(l.send.event.timestamp)} ${l.outcome}${l.send.event.correction ? ` ${l.send.event.correction.correction_id}` : ''} ${JSON.stringify(l.send.event.metadata, (_, v) => (typeof v === 'bigint' ? String(v) : v))}${liveIds.has(l.send.event.event_id) ? '' : ' (not live)'} [${meterId}]`)
    .join('\n');
}
