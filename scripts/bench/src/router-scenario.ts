// One bench-router scenario, on a topic prefix of its own: write the catalog and produce the events
// (computing the expected fan-out), run the router in a process of its own until its group committed
// the events topic's end, count the meter topics' records read_committed, run the Kafka Streams peer on
// the same events (peer-scenario.ts, unless --no-peer), and clean up.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Topics, connectPlatform, createKafka, loadConfig, pipelineNames, type Logger, type MeterstreamConfig } from '@meterstream/common';
import { ConfigResourceTypes, Partitioners, type Admin, type Message } from 'kafkajs';
import { awaitCommitted, CatchUpError } from './group-progress';
import { deleteRunTopics, highWatermarks } from './kafka-admin';
import { countRecords, type Counted } from './meter-count';
import { measurePeer, type PeerFailure, type PeerResult } from './peer-scenario';
import { prng } from './prng';
import { messageOf } from './report';
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
  /** Run the Kafka Streams peer after the router in each scenario (false with --no-peer). */
  peer: boolean;
  peerThreads: number;
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
  /** The Kafka Streams peer's run on the same events; undefined with --no-peer. */
  peer: PeerResult | PeerFailure | undefined;
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
  try {
    const starting = await nextMessage('starting');
    const doneAt = await awaitCommitted(admin, {
      who: 'router',
      groupId: pipelineNames(scenario.prefix).routerGroup,
      topic: scenario.topics.events,
      ends,
      startedAt: starting.at,
      timeoutMs,
      stallMs,
      failure: () => failure,
      detail: () => (aborts.count ? `; ${aborts.count} routing transaction(s) aborted, the last on: ${aborts.last}` : ''),
    });
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
        progress: err instanceof CatchUpError ? Number(err.progress) : 0,
        elapsedMs: err instanceof CatchUpError ? err.elapsedMs : undefined,
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
    let counted: Counted | undefined;
    if (args.count) {
      counted = await countRecords(kafka, admin, `${scenario.prefix}bench-count`, meterTopics, prepared.expected);
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
    const peer = args.peer
      ? await measurePeer({
          kafka,
          admin,
          config,
          topics: scenario.topics,
          prefix,
          catalogFile,
          tmp,
          meterIds: prepared.meters.map((m) => m.meter.id),
          routerPerMeter: new Map(
            prepared.meters.map(({ meter }) => [meter.id, counted ? (counted.perTopic.get(scenario.topics.meter(meter.id)) ?? 0) : (prepared.perMeter.get(meter.id) ?? 0)]),
          ),
          routerMeasured: Boolean(counted),
          routerDigests: counted ? new Map(prepared.meters.map(({ meter }) => [meter.id, counted.digests.get(scenario.topics.meter(meter.id)) ?? 0])) : undefined,
          ends,
          count: args.count,
          threads: args.peerThreads,
          timeoutMs: args.timeoutMin * 60000,
          stallMs: args.stallMin * 60000,
          maxMessageBytes: args.maxMessageBytes,
          log,
        })
      : undefined;
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
      peer,
    };
  } finally {
    if (!args.keepTopics) await cleanup(admin, prefix, config.registryUrl).catch((err: unknown) => console.warn(`bench-router: cleanup of ${prefix}* failed: ${messageOf(err)}`));
    await admin.disconnect();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

