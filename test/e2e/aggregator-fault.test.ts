import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { EmbeddedWarehouse } from '@meterstream/common';
import { ChildService } from '../support/child-service';
import { normalizeDecimal } from '../support/exact-decimal';
import { between, deleteSubjects, FaultPipeline, FaultTimeline, faultTopics, insertsSoFar, sleep, Supervised } from '../support/fault-harness';
import {
  FAULT_METERS,
  WINDOW_MS,
  cellKey,
  describeCellKey,
  expectTotals,
  faultCatalog,
  generateWorkload,
  type Cell,
  type Expectation,
  type FaultMeter,
  type Workload,
} from '../support/fault-workload';
import { RestartableBroker } from '../support/restartable-broker';

// Invariant 2 for the aggregator, end to end: 200,000 distinct events (and ~5% of them sent again) go
// straight to Kafka while the aggregator is killed with SIGKILL at least 10 times (during start-up, after
// an insert, in the middle of an insert), the meter-router once, and a broker of the test's own is
// restarted once. Afterwards every (meter, customer, window) total in ClickHouse equals the total
// computed here, by independent code, from the distinct events: nothing lost, nothing twice. Range
// totals (unique_count, last) are checked too. A second test asserts that the router recovered from the
// broker restart by itself (the test restarts a router whose consumer died, and records it).
// Runs in about 4 minutes on an otherwise idle 2-core machine; AGGREGATOR_FAULT_SEED replays a workload.

const REPO_ROOT = path.resolve(__dirname, '../..');
const DISTINCT_EVENTS = 200_000;
const CUSTOMERS = 1_000;
const USERS_PER_CUSTOMER = 25;
const RANGE_MS = 30 * 60_000;
const SEND_BATCH = 1_000;
const PACE_MS = 250;
const MIN_AGGREGATOR_KILLS = 10;
/**
 * When each aggregator kill lands (by index; the pattern repeats): during start-up or the group join,
 * at a random moment after its first insert into ClickHouse, or while an insert is being written.
 */
const KILL_PLAN = ['after-insert', 'start-up', 'mid-insert', 'after-insert', 'start-up', 'mid-insert', 'after-insert', 'start-up', 'mid-insert', 'mid-insert'] as const;
/** A router whose consumer crashed for good and that committed nothing for this long is restarted (and that is recorded). */
const ROUTER_STALL_MS = 30_000;
/** The dedicated broker listens here (controller on the next port) unless another run holds them. */
const KAFKA_PORT = 29092;
const SEED = process.env.AGGREGATOR_FAULT_SEED ? Number(process.env.AGGREGATOR_FAULT_SEED) : Date.now() % 2_147_483_647;
const REGISTRY_URL = process.env.SCHEMA_REGISTRY_URL;

const PREFIX = `t${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}.aggfault.`;
const TOPICS = faultTopics(PREFIX, Object.values(FAULT_METERS));

/** How partials merge per aggregation (README "Querying ClickHouse"), written out here on purpose. */
const MERGE: Record<FaultMeter, string> = {
  calls: 'toString(sum(record_count))',
  users: 'toString(uniqExactArray(unique_keys))',
  tokens: 'toString(sum(value))',
  latency: 'toString(max(value))',
  balance: 'toString(argMax(value, (last_timestamp, last_event_id)))',
};

interface KillNote {
  n: number;
  wall: number;
  line: string;
}

describe('aggregator exactly-once under kill -9, a router kill and a broker restart', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meterstream-aggregator-fault-'));
  const dataDir = path.join(dir, 'clickhouse');
  const catalogFile = path.join(dir, 'catalog.json');
  const timeline = new FaultTimeline(path.join(dir, 'progress.log'));
  const { clock, note, notes, until, started: suiteStarted } = timeline;
  // Wired in beforeAll, once the dedicated broker's ports are known.
  let broker: RestartableBroker | undefined;
  /** A broker being started; stopped in afterAll even if the start outlived beforeAll. */
  let startingBroker: RestartableBroker | undefined;
  let router!: Supervised;
  let aggregator!: Supervised;
  let pipeline!: FaultPipeline;

  /** Starts the dedicated broker on free ports (choosing again if another run took them meanwhile). */
  async function startDedicatedBroker(): Promise<RestartableBroker> {
    for (let attempt = 1; ; attempt++) {
      const { port, controllerPort } = RestartableBroker.choosePorts(KAFKA_PORT);
      const candidate = new RestartableBroker(path.join(dir, `stack-${port}`), port, controllerPort);
      startingBroker = candidate;
      try {
        await candidate.start();
        note(`dedicated broker ${candidate.brokers} ready (STACK_DIR ${candidate.stackDir})`);
        return candidate;
      } catch (err) {
        await candidate.stop().catch(() => undefined);
        if (attempt >= 3 || !/is taken|did not become ready/.test(String(err))) throw err;
        note(`dedicated broker on ${candidate.brokers} did not start (${String(err).split('\n')[0]}); trying other ports`);
      }
    }
  }

  function wireServices(brokers: string): void {
    const serviceEnv = {
      KAFKA_BROKERS: brokers,
      SCHEMA_REGISTRY_URL: REGISTRY_URL ?? '',
      TOPIC_PREFIX: PREFIX,
      CATALOG_FILE: catalogFile,
      KAFKA_PARTITIONS: '3',
      KAFKA_REPLICATION_FACTOR: '1',
      LOG_LEVEL: process.env.AGGREGATOR_FAULT_LOG_LEVEL ?? 'warn',
    };
    router = new Supervised(new ChildService('meter-router', serviceEnv, path.join(dir, 'meter-router.log')), { maxRestarts: 50, clock });
    aggregator = new Supervised(
      new ChildService(
        'aggregator',
        { ...serviceEnv, CLICKHOUSE_URL: '', CLICKHOUSE_DATA_DIR: dataDir, AGGREGATOR_FLUSH_INTERVAL_MS: '200' },
        path.join(dir, 'aggregator.log'),
      ),
      { maxRestarts: 50, clock },
    );
    const kafka = new Kafka({
      clientId: 'aggregator-fault-test',
      brokers: [brokers],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      requestTimeout: 10000,
      retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
    });
    pipeline = new FaultPipeline({
      timeline,
      kafka,
      topics: TOPICS,
      router,
      aggregator,
      dataDir,
      producerRetry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000 },
    });
  }
  const registry = new SchemaRegistry({ host: REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7' }, { [SchemaType.AVRO]: { wrapUnions: false } });
  let setupMs = 0;
  let reported = false;
  let passed = false;
  let workload: Workload;
  let expected: Expectation;
  /** What the chaos did, shared by both tests. */
  const chaos = { aggregatorKills: [] as KillNote[], routerKilled: false, brokerRestarted: false, routerStalls: [] as string[] };

  beforeAll(async () => {
    if (!REGISTRY_URL) throw new Error('SCHEMA_REGISTRY_URL is not set: run through the integration project (its global setup finds the registry)');
    RestartableBroker.preflight();
    if (process.env.KAFKA_BROKERS && process.env.KAFKA_BROKERS !== '127.0.0.1:9092') {
      note(`KAFKA_BROKERS=${process.env.KAFKA_BROKERS} is not used here: this test runs a broker of its own`);
    }
    execFileSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), ['-b'], { cwd: REPO_ROOT, stdio: 'pipe', timeout: 240_000 });
    fs.writeFileSync(catalogFile, JSON.stringify(faultCatalog(), null, 2));
    const brokerStarting = startDedicatedBroker();
    brokerStarting.catch(() => undefined); // awaited below; computing the workload meanwhile
    workload = generateWorkload({ seed: SEED, now: Date.now(), rangeMs: RANGE_MS, events: DISTINCT_EVENTS, customers: CUSTOMERS, usersPerCustomer: USERS_PER_CUSTOMER });
    expected = expectTotals(workload.events);
    note(
      `workload (seed ${SEED}): ${workload.events.length} distinct events, ${workload.sends.length - workload.events.length} repeats ` +
        `(${workload.immediateRepeats} immediate, ${workload.laterRepeats} later), ${workload.outOfOrder} sends out of event-time order, ` +
        `${workload.sharedTimestamps} shared timestamps, ${expected.cells.size} (meter, customer, window) totals expected`,
    );
    broker = await brokerStarting;
    wireServices(broker.brokers);

    await pipeline.start();
    setupMs = Date.now() - suiteStarted;
    note('router and aggregator running');
  }, 300_000);

  afterAll(async () => {
    timeline.closing = true;
    await pipeline?.close();
    await (broker ?? startingBroker)?.stop().catch((err) => console.log(`[aggregator-fault] could not stop the dedicated broker: ${String(err)}`));
    await deleteSubjects(REGISTRY_URL, PREFIX);
    if (!reported) console.log([`[aggregator-fault] prefix ${PREFIX}, seed ${SEED}; ended before its report. Timeline:`, ...notes].join('\n'));
    if (passed && chaos.routerStalls.length === 0) fs.rmSync(dir, { recursive: true, force: true });
    else console.log(`[aggregator-fault] kept ${dir} (progress.log, service logs, ClickHouse data, broker logs under stack-<port>/kafka/logs)`);
  }, 120_000);

  it('counts every distinct event exactly once in every (meter, customer, window)', async () => {
    const testStarted = Date.now();
    const batches: (typeof workload.sends)[] = [];
    for (let i = 0; i < workload.sends.length; i += SEND_BATCH) batches.push(workload.sends.slice(i, i + SEND_BATCH));
    const schemaId = await pipeline.registerEventSchema(registry);

    const stream = { sent: 0, attempts: 0, failedSends: 0, lastSendError: '', done: false, brokerDown: false, routerCaughtUp: false };
    const sentAt = new Map<string, number>();
    const aggregatorKills = chaos.aggregatorKills;

    /** Sends one batch until the broker acknowledges it; a batch that failed is sent again whole. */
    const sendUntilAcked = async (messages: Message[]) => {
      const deadline = Date.now() + 180_000;
      for (;;) {
        stream.attempts++;
        try {
          await (await pipeline.connectedProducer()).send({ topic: TOPICS.events, acks: -1, messages });
          return;
        } catch (err) {
          stream.failedSends++;
          stream.lastSendError = String(err);
          await pipeline.dropProducer();
          if (timeline.closing || Date.now() > deadline) throw new Error(`a batch was not acknowledged for 180 s: ${stream.lastSendError}`);
          await sleep(250);
        }
      }
    };

    const produceAll = async () => {
      for (let b = 0; b < batches.length; b++) {
        // Spread the kills over the stream: the i-th tenth of the batches waits for the i-th kill.
        const killsDue = Math.floor((MIN_AGGREGATOR_KILLS * (b + 1)) / batches.length);
        await until(() => (aggregatorKills.length >= killsDue ? true : undefined), 300_000, `aggregator kill ${killsDue}`, 50);
        if (b === batches.length - 1) {
          await until(() => (chaos.routerKilled && chaos.brokerRestarted ? true : undefined), 300_000, 'the router kill and the broker restart', 50);
        }
        const messages = await Promise.all(batches[b].map(async (event) => ({ key: event.customer_id, value: await registry.encode(schemaId, event) })));
        await sendUntilAcked(messages);
        const ackedAt = Date.now();
        for (const event of batches[b]) if (!sentAt.has(event.event_id)) sentAt.set(event.event_id, ackedAt);
        stream.sent += messages.length;
        await sleep(PACE_MS);
      }
      stream.done = true;
      note(`all ${stream.sent} sends acknowledged (${stream.attempts} send calls for ${batches.length} batches; ${stream.failedSends} failed and were resent whole)`);
    };

    const killAggregatorRepeatedly = async () => {
      for (let k = 0; !(stream.done && aggregatorKills.length >= MIN_AGGREGATOR_KILLS); k++) {
        await until(() => (!stream.brokerDown ? true : undefined), 300_000, 'the broker to be back', 100);
        const plan = KILL_PLAN[k % KILL_PLAN.length];
        // A busy machine delays the first insert; a kill meant to land mid-insert waits longer for it.
        const { moment, before } = await pipeline.killMoment(plan, {
          insertWaitMs: plan === 'mid-insert' ? 60_000 : 30_000,
          noInsert: (waitMs) => `${Date.now() - aggregator.startedAt} ms after start (no insert within ${waitMs / 1000} s)`,
        });
        await until(() => (!stream.brokerDown ? true : undefined), 300_000, 'the broker to be back', 100);
        if (stream.done && aggregatorKills.length >= MIN_AGGREGATOR_KILLS) break;
        const uptime = Date.now() - aggregator.startedAt;
        const pid = aggregator.service.pid;
        const atKill = insertsSoFar(dataDir);
        await aggregator.kill('SIGKILL');
        const wall = Date.now();
        const line =
          `aggregator kill ${aggregatorKills.length + 1}: SIGKILL pid ${pid} ${moment}, up ${uptime} ms, ${atKill.blocks - before.blocks} inserts into meter_usage in this incarnation` +
          `${atKill.writing ? ', one of them in progress' : ''}; ${stream.sent} sends acknowledged`;
        aggregatorKills.push({ n: aggregatorKills.length + 1, wall, line });
        note(line);
        await sleep(between(200, 1000));
        aggregator.start();
      }
    };

    const killRouterOnce = async () => {
      await until(() => (stream.sent >= 0.3 * workload.sends.length ? true : undefined), 600_000, '30% of the stream', 100);
      await until(() => (!stream.brokerDown ? true : undefined), 300_000, 'the broker to be back', 100);
      const pid = router.service.pid;
      await router.kill('SIGKILL');
      const position = await pipeline.routerPosition().catch(() => undefined);
      note(`router kill: SIGKILL pid ${pid}; ${stream.sent} sends acknowledged, router ${position ? `${position.behind} events behind` : 'position unknown'}`);
      await sleep(between(300, 1500));
      router.start();
      chaos.routerKilled = true;
    };

    const restartBrokerOnce = async () => {
      await until(() => (stream.sent >= 0.55 * workload.sends.length ? true : undefined), 600_000, '55% of the stream', 100);
      stream.brokerDown = true;
      const downAt = Date.now();
      note(`broker restart: stopping with ${stream.sent} sends acknowledged`);
      const stopMs = await broker!.stop();
      const startMs = await broker!.start();
      stream.brokerDown = false;
      chaos.brokerRestarted = true;
      note(`broker restart: stop took ${stopMs} ms, start took ${startMs} ms, down for ${Date.now() - downAt} ms`);
    };

    /**
     * Liveness: a router whose consumer crashed for good (logged a crash and no restart) and that has
     * committed nothing since, while events wait, is restarted after ROUTER_STALL_MS, as an
     * orchestrator's health check would; the second test asserts that this is never needed.
     */
    const watchRouter = async () => {
      let last = -1;
      let since = Date.now();
      while (!stream.routerCaughtUp && !timeline.closing) {
        await sleep(1000);
        const position = stream.brokerDown || !router.service.running ? undefined : await pipeline.routerPosition().catch(() => undefined);
        if (!position || position.behind === 0 || position.committed !== last) {
          last = position?.committed ?? last;
          since = Date.now();
          continue;
        }
        const crash = router.deadConsumer(TOPICS.routerGroup);
        if (crash && Date.now() - since >= ROUTER_STALL_MS) {
          const stall = `router consumer dead (crash logged at ${crash}, no restart), nothing committed for ${Math.round((Date.now() - since) / 1000)} s with ${position.behind} events waiting; SIGKILL and restart`;
          chaos.routerStalls.push(`${clock()} ${stall}`);
          note(stall);
          await router.kill('SIGKILL');
          await sleep(500);
          router.start();
          since = Date.now();
        }
      }
    };

    const routerWatch = watchRouter();
    await Promise.all([produceAll(), killAggregatorRepeatedly(), killRouterOnce(), restartBrokerOnce()]);
    const streamMs = Date.now() - testStarted;

    // The router is done when its committed offsets (written in its transactions) reach the end of events.
    try {
      await pipeline.routerCaughtUp(360_000);
    } finally {
      stream.routerCaughtUp = true;
      await routerWatch;
    }
    note('router caught up');

    // The aggregator is done when ClickHouse holds every distinct matching event and the totals no
    // longer change. Only one process may open its data directory, so each look is: wait until its
    // Kafka offsets say it is idle, stop it (SIGTERM), open the directory here, close it, start it again.
    const deadline = Date.now() + 300_000;
    let previous: Map<string, Cell> | undefined;
    let actual: Map<string, Cell> = new Map();
    for (let round = 1; ; round++) {
      if (round > 1) await pipeline.restartAggregator();
      await pipeline.aggregatorIdle('the aggregator to catch up');
      const ended = await aggregator.stopGracefully(60_000);
      actual = await withWarehouse(dataDir, readCells);
      const records = recordsPerMeter(actual);
      const complete = [...expected.records].every(([meter, n]) => records.get(meter) === n);
      const over = [...expected.records].some(([meter, n]) => (records.get(meter) ?? 0) > n);
      const unchanged = previous !== undefined && sameCells(previous, actual);
      note(
        `aggregator look ${round}: stopped (${ended}); records per meter ${[...expected.records].map(([m, n]) => `${m} ${records.get(m) ?? 0}/${n}`).join(', ')}` +
          `${unchanged ? '; totals unchanged since the previous look' : ''}`,
      );
      if ((complete && unchanged) || over || Date.now() > deadline) break;
      previous = actual;
    }

    // Everything below reads the aggregator's directory from this process (the aggregator is stopped).
    const warehouse = new EmbeddedWarehouse(dataDir);
    try {
      const meterIds = (await warehouse.query<{ meter_id: string }>('SELECT DISTINCT meter_id FROM meter_usage ORDER BY meter_id')).map((r) => r.meter_id);
      const comparison = compareCells(expected.cells, actual);
      const range = {
        start: expected.firstTimestamp - (expected.firstTimestamp % WINDOW_MS),
        end: expected.lastTimestamp - (expected.lastTimestamp % WINDOW_MS) + WINDOW_MS,
      };
      const rangeUsers = await perCustomer(warehouse, FAULT_METERS.users, MERGE.users, range);
      const rangeLast = await perCustomer(warehouse, FAULT_METERS.balance, MERGE.balance, range);
      const [raw] = await warehouse.query<{ ids: string; rows: string }>('SELECT toString(uniqExact(event_id)) AS ids, toString(count()) AS rows FROM events');
      // The records behind exact ranges (meter_records, read with FINAL) went through the same kills.
      const storedRecords = new Map(
        (await warehouse.query<{ meter_id: string; n: string }>('SELECT meter_id, toString(count()) AS n FROM meter_records FINAL GROUP BY meter_id')).map((r) => [r.meter_id, Number(r.n)]),
      );
      const usersWrong = [...expected.rangeUsers]
        .filter(([customer, n]) => rangeUsers.get(customer) !== String(n))
        .map(([customer, n]) => `${customer}: expected ${n} distinct user_ids, got ${rangeUsers.get(customer)}`);
      const lastWrong = [...expected.rangeLast]
        .filter(([customer, value]) => (rangeLast.has(customer) ? normalizeDecimal(rangeLast.get(customer)!) : undefined) !== value)
        .map(([customer, value]) => `${customer}: expected last balance ${value}, got ${rangeLast.get(customer)}`);

      const runtimeMs = Date.now() - suiteStarted;
      const report = [
        `[aggregator-fault] prefix ${PREFIX}, seed ${SEED}, data ${dir}`,
        ...notes,
        `sends: ${stream.sent} acknowledged (${workload.events.length} distinct events, ${workload.sends.length - workload.events.length} deliberate repeats, ` +
          `${stream.failedSends} failed send calls resent whole); last send error: ${stream.lastSendError || 'none'}`,
        `kills: aggregator SIGKILL ×${aggregatorKills.length}, router SIGKILL ×${chaos.routerKilled ? 1 : 0} (plus ${chaos.routerStalls.length} liveness restarts); ` +
          `broker restarts: ${chaos.brokerRestarted ? 1 : 0} (stop ${broker!.stops[0]} ms, start ${broker!.starts[1]} ms)`,
        `exits by themselves (restarted by the watchdog): ${[...router.unexpectedExits, ...aggregator.unexpectedExits].join('; ') || 'none'}`,
        `expected: ${expected.cells.size} totals; ${[...expected.records].map(([m, n]) => `${m} ${n} records`).join(', ')}; ` +
          `${expected.lastTiesInWindows} 'last' windows decided by event_id; per-window distinct users sum to ${expected.perWindowUserSum} ` +
          `vs ${[...expected.rangeUsers.values()].reduce((a, b) => a + b, 0)} distinct per customer over the range`,
        `ClickHouse: ${actual.size} totals; missing ${comparison.missing.length}, extra ${comparison.extra.length}, wrong ${comparison.wrong.length}; ` +
          `range unique_count wrong for ${usersWrong.length} customers, range last wrong for ${lastWrong.length}; events table: ${raw.ids} distinct ids in ${raw.rows} rows; ` +
          `meter_records: ${[...storedRecords].map(([m, n]) => `${m} ${n}`).join(', ')}`,
        `runtime: ${(runtimeMs / 1000).toFixed(1)} s (set-up ${(setupMs / 1000).toFixed(1)} s, stream and chaos ${(streamMs / 1000).toFixed(1)} s)`,
      ];
      console.log(report.join('\n'));
      reported = true;
      if (comparison.keys.length > 0) {
        console.log(await explainDifferences(warehouse, comparison, expected.cells, workload.events, sentAt, aggregatorKills, suiteStarted));
      }

      // The run did what it claims.
      expect(aggregatorKills.length).toBeGreaterThanOrEqual(MIN_AGGREGATOR_KILLS);
      expect({ routerKilled: chaos.routerKilled, brokerRestarted: chaos.brokerRestarted }).toEqual({ routerKilled: true, brokerRestarted: true });
      expect(workload.outOfOrder).toBeGreaterThan(DISTINCT_EVENTS / 4);
      expect(expected.lastTiesInWindows).toBeGreaterThan(0);
      expect(expected.perWindowUserSum).toBeGreaterThan([...expected.rangeUsers.values()].reduce((a, b) => a + b, 0));

      // Exactly once: the same (meter, customer, window) keys, and every record count and total equal.
      expect(meterIds).toEqual(Object.values(FAULT_METERS).sort());
      expect(recordsPerMeter(actual)).toEqual(expected.records);
      expect({ missing: comparison.missing.slice(0, 10), extra: comparison.extra.slice(0, 10), wrong: comparison.wrong.slice(0, 10) }).toEqual({
        missing: [],
        extra: [],
        wrong: [],
      });
      expect(actual.size).toBe(expected.cells.size);

      // Over the whole range: unique_count is the distinct count (not a sum of windows), last is the latest event's.
      expect(rangeUsers.size).toBe(expected.rangeUsers.size);
      expect(usersWrong.slice(0, 10)).toEqual([]);
      expect(rangeLast.size).toBe(expected.rangeLast.size);
      expect(lastWrong.slice(0, 10)).toEqual([]);

      // Every counted record once in meter_records, whatever the kills.
      expect(storedRecords).toEqual(expected.records);

      // The raw event sink went through the same kills: every distinct event is in the events table.
      expect(raw.ids).toBe(String(workload.events.length));
    } finally {
      await warehouse.close();
    }
    passed = true;
  }, 900_000);

  it('needed no outside restart of the meter-router to recover from the broker restart', () => {
    expect(chaos.brokerRestarted).toBe(true);
    expect(chaos.routerStalls).toEqual([]);
  });
});

async function withWarehouse<T>(dataDir: string, fn: (warehouse: EmbeddedWarehouse) => Promise<T>): Promise<T> {
  const warehouse = new EmbeddedWarehouse(dataDir);
  try {
    return await fn(warehouse);
  } finally {
    await warehouse.close();
  }
}

/** Every (meter, customer, window) of the five meters: merged record count and total, normalized. */
async function readCells(warehouse: EmbeddedWarehouse): Promise<Map<string, Cell>> {
  const cells = new Map<string, Cell>();
  for (const [name, meterId] of Object.entries(FAULT_METERS) as [FaultMeter, string][]) {
    const rows = await warehouse.query<{ customer_id: string; window_start_ms: string; records: string; total: string }>(
      `SELECT customer_id, toString(toUnixTimestamp64Milli(window_start)) AS window_start_ms,
  toString(sum(record_count)) AS records, ${MERGE[name]} AS total
FROM meter_usage WHERE meter_id = {meter:String}
GROUP BY customer_id, window_start`,
      { meter: meterId },
    );
    for (const row of rows) {
      cells.set(cellKey(meterId, row.customer_id, Number(row.window_start_ms)), { records: Number(row.records), total: normalizeDecimal(row.total) });
    }
  }
  return cells;
}

/** One merged total per customer over [start, end) of window starts. */
async function perCustomer(warehouse: EmbeddedWarehouse, meterId: string, merge: string, range: { start: number; end: number }): Promise<Map<string, string>> {
  const rows = await warehouse.query<{ customer_id: string; total: string }>(
    `SELECT customer_id, ${merge} AS total FROM meter_usage
WHERE meter_id = {meter:String} AND toUnixTimestamp64Milli(window_start) >= {start:Int64} AND toUnixTimestamp64Milli(window_start) < {end:Int64}
GROUP BY customer_id`,
    { meter: meterId, start: range.start, end: range.end },
  );
  return new Map(rows.map((r) => [r.customer_id, r.total]));
}

function recordsPerMeter(cells: Map<string, Cell>): Map<string, number> {
  const out = new Map<string, number>(Object.values(FAULT_METERS).map((id) => [id, 0]));
  for (const [key, cell] of cells) {
    const meter = key.slice(0, key.indexOf('|'));
    out.set(meter, (out.get(meter) ?? 0) + cell.records);
  }
  return out;
}

function sameCells(a: Map<string, Cell>, b: Map<string, Cell>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, cell] of a) {
    const other = b.get(key);
    if (!other || other.records !== cell.records || other.total !== cell.total) return false;
  }
  return true;
}

interface Comparison {
  missing: string[];
  extra: string[];
  wrong: string[];
  keys: string[];
}

function compareCells(expected: Map<string, Cell>, actual: Map<string, Cell>): Comparison {
  const missing: string[] = [];
  const extra: string[] = [];
  const wrong: string[] = [];
  const keys: string[] = [];
  for (const [key, want] of expected) {
    const got = actual.get(key);
    if (!got) {
      missing.push(`${describeCellKey(key)}: expected ${want.total} from ${want.records} records, absent`);
      keys.push(key);
    } else if (got.records !== want.records || got.total !== want.total) {
      wrong.push(`${describeCellKey(key)}: expected ${want.total} from ${want.records} records, got ${got.total} from ${got.records} records`);
      keys.push(key);
    }
  }
  for (const [key, got] of actual) {
    if (!expected.has(key)) {
      extra.push(`${describeCellKey(key)}: not expected, got ${got.total} from ${got.records} records`);
      keys.push(key);
    }
  }
  return { missing, extra, wrong, keys };
}

/**
 * For the first differing keys: the partial rows ClickHouse holds (with the Kafka range each flush
 * covered and when it was inserted), the kill that preceded each insert, and when the key's events
 * were acknowledged by the broker.
 */
async function explainDifferences(
  warehouse: EmbeddedWarehouse,
  comparison: Comparison,
  expected: Map<string, Cell>,
  events: readonly { event_id: string; customer_id: string; timestamp: number }[],
  sentAt: Map<string, number>,
  kills: KillNote[],
  started: number,
): Promise<string> {
  const at = (wall: number) => `+${((wall - started) / 1000).toFixed(1)}s`;
  const killBefore = (wall: number) => {
    const previous = kills.filter((k) => k.wall <= wall).pop();
    return previous ? `after aggregator kill ${previous.n} (${at(previous.wall)})` : 'before the first aggregator kill';
  };
  const lines = ['[aggregator-fault] differences (first 10 keys):'];
  for (const key of comparison.keys.slice(0, 10)) {
    const [meterId, customerId, windowStart] = key.split('|');
    const want = expected.get(key);
    lines.push(`- ${describeCellKey(key)}: expected ${want ? `${want.total} from ${want.records} records` : 'nothing'}`);
    const rows = await warehouse.query<Record<string, string>>(
      `SELECT toString(record_count) AS records, toString(value) AS value, toString(toUnixTimestamp64Milli(last_timestamp)) AS last_ms, last_event_id,
  length(unique_keys) AS unique_keys, source_topic, toString(source_partition) AS partition, toString(source_end_offset) AS end_offset,
  toString(toUnixTimestamp64Milli(inserted_at)) AS inserted_ms
FROM meter_usage WHERE meter_id = {meter:String} AND customer_id = {customer:String} AND toUnixTimestamp64Milli(window_start) = {window:Int64}
ORDER BY inserted_at`,
      { meter: meterId, customer: customerId, window: Number(windowStart) },
    );
    for (const row of rows) {
      const inserted = Number(row.inserted_ms);
      lines.push(
        `    row: ${row.records} records, value ${row.value}, last ${row.last_event_id}@${row.last_ms}, ${row.unique_keys} keys; ` +
          `flush of partition ${row.partition} up to offset ${row.end_offset}, inserted ${at(inserted)} ${killBefore(inserted)}`,
      );
    }
    const contributing = events.filter(
      (e) => e.customer_id === customerId && e.timestamp - (e.timestamp % WINDOW_MS) === Number(windowStart),
    );
    const acked = contributing.map((e) => sentAt.get(e.event_id) ?? 0).sort((a, b) => a - b);
    if (acked.length > 0) {
      lines.push(`    the window's ${contributing.length} events of this customer were acknowledged between ${at(acked[0])} and ${at(acked[acked.length - 1])}`);
    }
  }
  lines.push('kills:', ...kills.map((k) => `  ${at(k.wall)} ${k.line}`));
  return lines.join('\n');
}
