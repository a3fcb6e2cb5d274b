// One bench-router scenario, on a topic prefix of its own: write the catalog and produce the events
// (computing the expected fan-out), run the router in a process of its own until its group committed
// the events topic's end, count the meter topics' records read_committed, and clean up.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Topics, connectPlatform, createKafka, loadConfig, pipelineNames, type Logger, type MeterstreamConfig } from '@meterstream/common';
import { ConfigResourceTypes, Partitioners, type Admin, type Kafka, type Message } from 'kafkajs';
import { deleteRunTopics, highWatermarks } from './kafka-admin';
import { prng } from './prng';
import { MiB, messageOf, sleep } from './report';
import type { BatchStats, ChildMessage, ChildReport, ParentMessage, TxStats } from './router-child';
import { benchMeters, makeEvent, type BenchMeter } from './router-workload';

export interface RouterArgs {
  events: number;
  meters: { meters: number; events: number }[];
  customers: number;
  batch: number;
  count: boolean;
  keepTopics: boolean;
  write: boolean;
  timeoutMin: number;
  stallMin: number;
  maxMessageBytes: number | undefined;
  profileDir?: string;
}

interface ScenarioSetup {
  meters: number;
  events: number;
  prefix: string;
  catalogFile: string;
  config: MeterstreamConfig;
  topics: Topics;
}

interface Prepared {
  meters: BenchMeter[];
  perMeter: Map<string, number>;
  expected: number;
  produceSeconds: number;
  eventBytes: number;
}

/** The router process's report, with the measurement's end and start. */
interface RouteRun extends ChildReport {
  doneAt: number;
  startAt: number;
  rssBefore: number;
}

/** A scenario that failed, with how far the router got. */
export interface FailedScenario {
  meters: number;
  filtered: number;
  events: number;
  load: string;
  eventBytes?: number;
  failed: string;
  progress: number;
  elapsedMs: number | undefined;
}

export interface ScenarioResult extends RouteRun {
  failed?: undefined;
  meters: number;
  filtered: number;
  events: number;
  load: string;
  produceSeconds: number;
  eventBytes: number;
  expected: number;
  out: number;
  measured: boolean;
  countSeconds: number | undefined;
  markers: number | undefined;
  highSum: number;
  dlq: number;
  wallSeconds: number;
  joinSeconds: number | undefined;
  routingSeconds: number | undefined;
  stats: BatchStats;
  tx: TxStats;
}

/** A failure of the measurement, with the events committed by then. */
class RouteError extends Error {
  constructor(
    message: string,
    readonly progress: bigint,
    readonly elapsedMs: number,
  ) {
    super(message);
  }
}

export function loadNow(): string {
  const [one, five, fifteen] = os.loadavg();
  return `${one.toFixed(2)}, ${five.toFixed(2)}, ${fifteen.toFixed(2)}`;
}

/** Writes the catalog, connects the platform, produces the events; returns the expected fan-out. */
async function prepare(scenario: ScenarioSetup, args: RouterArgs, logger: Logger): Promise<Prepared> {
  const meters = benchMeters(scenario.meters);
  const catalog = { meters: meters.map((m) => m.meter), products: [], customers: [], subscriptions: [] };
  fs.writeFileSync(scenario.catalogFile, JSON.stringify(catalog, null, 2));
  const platform = await connectPlatform(scenario.config, logger, 'bench-producer');
  const { topics, codec, kafka } = platform;
  if (args.maxMessageBytes) {
    await platform.admin.alterConfigs({
      validateOnly: false,
      resources: meters.map(({ meter: m }) => ({
        type: ConfigResourceTypes.TOPIC,
        name: topics.meter(m.id),
        configEntries: [{ name: 'max.message.bytes', value: String(args.maxMessageBytes) }],
      })),
    });
  }
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const random = prng(0x5eed);
  const startMs = Date.now();
  const perMeter = new Map(meters.map(({ meter }) => [meter.id, 0]));
  let matches = 0;
  let bytes = 0;
  const t0 = performance.now();
  try {
    for (let sent = 0; sent < scenario.events; ) {
      const size = Math.min(args.batch, scenario.events - sent);
      const messages: Message[] = [];
      for (let j = 0; j < size; j++) {
        const event = makeEvent(random, scenario.prefix, sent + j, scenario.events, args.customers, startMs);
        for (const { meter, test } of meters) {
          if (test(event.metadata)) {
            perMeter.set(meter.id, (perMeter.get(meter.id) ?? 0) + 1);
            matches++;
          }
        }
        const value = await codec.encode(topics.events, event);
        bytes += value.length;
        messages.push({ key: event.customer_id, value });
      }
      await producer.send({ topic: topics.events, acks: -1, messages });
      sent += size;
    }
  } finally {
    await producer.disconnect();
  }
  const produceSeconds = (performance.now() - t0) / 1000;
  await platform.stop();
  return { meters, perMeter, expected: matches, produceSeconds, eventBytes: bytes / scenario.events };
}

/** Runs the router in a child process until its group committed `ends` on every partition. */
async function routeAll(scenario: ScenarioSetup, admin: Admin, ends: Map<number, bigint>, timeoutMs: number, stallMs: number, profileDir: string | undefined): Promise<RouteRun> {
  const child = fork(path.join(__dirname, 'router-child.js'), [], {
    execArgv: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    env: { ...process.env, TOPIC_PREFIX: scenario.prefix, CATALOG_FILE: scenario.catalogFile, LOG_LEVEL: scenario.config.logLevel },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const nextMessage = <T extends ChildMessage['type']>(type: T) =>
    new Promise<Extract<ChildMessage, { type: T }>>((resolve, reject) => {
      const onMessage = (msg: ChildMessage) => {
        if (msg.type !== type) return;
        child.off('message', onMessage);
        resolve(msg as Extract<ChildMessage, { type: T }>);
      };
      child.on('message', onMessage);
      void exited.then(({ code, signal }) => reject(new Error(`router process exited (${code ?? signal}) before "${type}"`)));
    });
  // A consumer crash without restart leaves the router process alive but idle: stop waiting then.
  let failure: string | undefined;
  child.on('message', (msg: ChildMessage) => {
    if (msg.type === 'crash' && msg.restart === false) failure ??= `router consumer crashed and does not restart: ${msg.error}`;
  });
  void exited.then(({ code, signal }) => (failure ??= `router process exited (${code ?? signal})`));
  const aborts: { count: number; last: string | undefined } = { count: 0, last: undefined };
  child.on('message', (msg: ChildMessage) => {
    if (msg.type !== 'abort') return;
    aborts.count++;
    aborts.last = msg.error;
  });
  let progress = 0n;
  try {
    const starting = await nextMessage('starting');
    const deadline = Date.now() + timeoutMs;
    const groupId = pipelineNames(scenario.prefix).routerGroup;
    let doneAt: number;
    let lastMove = Date.now();
    for (;;) {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [scenario.topics.events] });
      let sum = 0n;
      const behind = [...ends].filter(([partition, high]) => {
        const c = committed.partitions.find((p) => p.partition === partition);
        const offset = c && BigInt(c.offset) > 0n ? BigInt(c.offset) : 0n;
        sum += offset;
        return offset < high;
      });
      if (sum > progress) {
        progress = sum;
        lastMove = Date.now();
      }
      if (behind.length === 0) {
        doneAt = Date.now();
        break;
      }
      const elapsed = `${((Date.now() - starting.at) / 1000).toFixed(0)} s`;
      if (failure) throw new RouteError(`${failure} (after ${elapsed}, ${progress} events committed)`, progress, Date.now() - starting.at);
      if (Date.now() > deadline || Date.now() - lastMove > stallMs) {
        const why = Date.now() > deadline ? `did not catch up within ${timeoutMs / 60000} min` : `made no progress for ${stallMs / 60000} min`;
        const aborted = aborts.count ? `; ${aborts.count} routing transaction(s) aborted, the last on: ${aborts.last}` : '';
        throw new RouteError(`router ${why} (after ${elapsed}, ${progress} events committed${aborted})`, progress, Date.now() - starting.at);
      }
      await sleep(100);
    }
    const reported = nextMessage('report');
    child.send({ type: 'report' } satisfies ParentMessage);
    const { type: _type, ...report } = await reported;
    const result: RouteRun = { ...report, doneAt, startAt: starting.at, rssBefore: starting.rssBefore };
    const { code, signal } = await exited;
    if (code !== 0) console.warn(`bench-router: router process exited with ${code ?? signal} after the measurement`);
    return result;
  } catch (err) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw err;
  }
}

/** Counts the meter topics' records with a read_committed consumer (transaction markers excluded). */
async function countOutput(kafka: Kafka, admin: Admin, scenario: ScenarioSetup, meterTopics: string[], expected: number) {
  const groupId = `${scenario.prefix}bench-count`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxBytes: 64 * MiB, maxBytesPerPartition: 16 * MiB, maxWaitTimeInMs: 200 });
  const perTopic = new Map(meterTopics.map((t) => [t, 0]));
  let total = 0;
  let lastProgress = Date.now();
  let joined = false;
  const t0 = performance.now();
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
    lastProgress = Date.now();
  });
  await consumer.connect();
  await consumer.subscribe({ topics: meterTopics, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 1,
    eachBatch: async ({ batch }) => {
      perTopic.set(batch.topic, (perTopic.get(batch.topic) ?? 0) + batch.messages.length);
      total += batch.messages.length;
      if (batch.messages.length > 0) lastProgress = Date.now();
    },
  });
  // Done once the expected number arrived and nothing more came for 2 s, or nothing came for 20 s.
  for (;;) {
    await sleep(250);
    const quiet = Date.now() - lastProgress;
    if (joined && ((total >= expected && quiet > 2000) || quiet > 20000)) break;
  }
  await consumer.disconnect();
  await admin.deleteGroups([groupId]).catch(() => undefined);
  return { total, perTopic, seconds: (performance.now() - t0) / 1000 };
}

/** Deletes the scenario's topics, consumer groups and registry subjects (all named with its prefix). */
async function cleanup(admin: Admin, prefix: string, registryUrl: string): Promise<void> {
  const { topics } = await deleteRunTopics(admin, prefix, 60000);
  // Subjects by name: a registry's subject list may be capped (Apicurio lists 1,000 at most).
  for (const topic of topics) {
    const url = `${registryUrl}/subjects/${encodeURIComponent(`${topic}-value`)}`;
    const soft = await fetch(url, { method: 'DELETE' });
    if (soft.ok) await fetch(`${url}?permanent=true`, { method: 'DELETE' });
  }
}

export async function runScenario({ meters: n, events }: { meters: number; events: number }, index: number, args: RouterArgs, runId: string, logger: Logger): Promise<ScenarioResult | FailedScenario> {
  const prefix = `${runId}.${index}m${n}.`;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'meterstream-bench-router-'));
  const catalogFile = path.join(tmp, 'catalog.json');
  const config = loadConfig({ ...process.env, TOPIC_PREFIX: prefix, CATALOG_FILE: catalogFile, LOG_LEVEL: process.env.LOG_LEVEL || 'warn' });
  const scenario: ScenarioSetup = { meters: n, events, prefix, catalogFile, config, topics: new Topics(config) };
  const log = (message: string): void => console.log(`[bench-router] ${n} meter(s): ${message}`);
  const kafka = createKafka(config, logger, 'bench-admin');
  const admin = kafka.admin();
  await admin.connect();
  try {
    const load = loadNow();
    log(`load before: ${load}; producing ${events} events to ${scenario.topics.events}`);
    let prepared: Prepared;
    try {
      prepared = await prepare(scenario, args, logger);
    } catch (err) {
      log(`FAILED to set up: ${messageOf(err)}`);
      return { meters: n, filtered: benchMeters(n).filter((m) => m.meter.filter).length, events, load, failed: `setting up the scenario failed: ${messageOf(err)}`, progress: 0, elapsedMs: 0 };
    }
    const ends = await highWatermarks(admin, scenario.topics.events);
    const inCount = [...ends.values()].reduce((a, b) => a + b, 0n);
    if (inCount !== BigInt(events)) throw new Error(`events topic holds ${inCount} records, expected ${events}`);
    log(`produced in ${prepared.produceSeconds.toFixed(1)} s; expected output ${prepared.expected} records; starting the router`);
    let run: RouteRun;
    try {
      run = await routeAll(scenario, admin, ends, args.timeoutMin * 60000, args.stallMin * 60000, args.profileDir);
    } catch (err) {
      log(`FAILED: ${messageOf(err)}`);
      return {
        meters: n,
        filtered: prepared.meters.filter((m) => m.meter.filter).length,
        events,
        load,
        eventBytes: prepared.eventBytes,
        failed: messageOf(err),
        progress: err instanceof RouteError ? Number(err.progress) : 0,
        elapsedMs: err instanceof RouteError ? err.elapsedMs : undefined,
      };
    }
    const wallSeconds = (run.doneAt - run.startAt) / 1000;
    log(
      `routed in ${wallSeconds.toFixed(1)} s: ${run.tx.count} routing transactions, ${run.stats.starts} batch starts, ` +
        `${run.stats.starts - run.stats.ends} batches ending in an error, ${run.stats.joins} group joins, ${run.tx.aborted} aborts, ${run.stats.crashes} consumer crashes`,
    );

    const meterTopics = prepared.meters.map((m) => scenario.topics.meter(m.meter.id));
    let highSum = 0n;
    for (const topic of meterTopics) for (const high of (await highWatermarks(admin, topic)).values()) highSum += high;
    const dlqHigh = [...(await highWatermarks(admin, scenario.topics.eventsDlq)).values()].reduce((a, b) => a + b, 0n);
    let counted: Awaited<ReturnType<typeof countOutput>> | undefined;
    if (args.count) {
      counted = await countOutput(kafka, admin, scenario, meterTopics, prepared.expected);
      log(`counted ${counted.total} records read_committed in ${counted.seconds.toFixed(1)} s`);
      const read = counted.perTopic;
      const wrong = prepared.meters.map((m) => m.meter).filter((m) => read.get(scenario.topics.meter(m.id)) !== prepared.perMeter.get(m.id));
      if (wrong.length > 0) {
        console.warn(
          `bench-router: ${wrong.length} meter topic(s) differ from the expected fan-out, e.g. ${wrong[0].id}: ` +
            `${read.get(scenario.topics.meter(wrong[0].id))} read, ${prepared.perMeter.get(wrong[0].id)} expected`,
        );
      }
    }
    const out = counted ? counted.total : prepared.expected;
    return {
      meters: n,
      filtered: prepared.meters.filter((m) => m.meter.filter).length,
      events,
      load,
      produceSeconds: prepared.produceSeconds,
      eventBytes: prepared.eventBytes,
      expected: prepared.expected,
      out,
      measured: Boolean(counted),
      countSeconds: counted?.seconds,
      markers: counted ? Number(highSum) - counted.total : undefined,
      highSum: Number(highSum),
      dlq: Number(dlqHigh),
      wallSeconds,
      joinSeconds: run.stats.firstJoinAt ? (run.stats.firstJoinAt - run.startAt) / 1000 : undefined,
      routingSeconds: run.stats.firstBatchStart && run.stats.lastCommitEnd ? (run.stats.lastCommitEnd - run.stats.firstBatchStart) / 1000 : undefined,
      ...run,
    };
  } finally {
    if (!args.keepTopics) await cleanup(admin, prefix, config.registryUrl).catch((err: unknown) => console.warn(`bench-router: cleanup of ${prefix}* failed: ${messageOf(err)}`));
    await admin.disconnect();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

