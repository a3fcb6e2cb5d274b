// `node scripts/bench-ingest.js [options]`
//
//   --scenarios 100x4,100x16,1000x4,1000x16   batch size x concurrent connections (default shown)
//   --modes standalone,gateway   what serves the requests (default both, in this order):
//                            standalone = `node services/standalone/dist/main.js`, all four services in
//                            one process; gateway = `node services/gateway/dist/main.js` alone
//                            (distributed mode: nothing consumes the events meanwhile)
//   --warmup-s N             warm-up per scenario, not measured (default 3)
//   --duration-s N           measured period per scenario (default 20)
//   --settle-s N             before each scenario, wait up to N s for the meter-router to catch up on
//                            the events topic, so that a scenario does not pay for the last one's
//                            backlog (default 60; 0 = do not wait)
//   --perf-records N         records for Kafka's ProducerPerformance (default 1000000)
//   --producer-duration-s N  measured period of the kafkajs and @platformatic/kafka runs (default 15)
//   --producer-batch N       messages per send in those runs (default 1000)
//   --producer-concurrency N concurrent sends in those runs (default 4)
//   --skip-gateway / --skip-producers   run one half only (development)
//   --profile DIR            write a V8 CPU profile of the pipeline process into DIR (node --cpu-prof)
//   --keep-topics            keep the run's topics and consumer groups (default: deleted afterwards)
//   --no-write               print the section without writing docs/benchmarks.md
//
// Measures the gateway's ingest throughput against what Kafka itself accepts on this machine, and
// rewrites the "Ingest" section of docs/benchmarks.md between its markers. Needs a build
// (`npx tsc -b`) and the local stack (`bash infra/stack.sh up`). In one run:
//  1. starts the standalone pipeline (all four services, embedded ClickHouse) as a child process,
//     `node services/standalone/dist/main.js`, on a topic prefix and data directory of its own, with
//     ADMIN_API_KEY set and the per-key rate limit raised out of the way;
//  2. drives POST /events/ingest from this process (closed loop: each connection sends its next
//     request when the previous one was answered) with batches of 100 and 1,000 events on 4 and 16
//     keep-alive connections, and reports events/s and request latency per scenario;
//  3. stops it and does the same against the gateway alone (`services/gateway/dist/main.js`, fresh
//     ClickHouse directory), which shows the gateway's own capacity without the router and the
//     aggregator sharing its event loop;
//  4. runs Apache Kafka's ProducerPerformance (from the broker's jars) with
//     records of the average Avro-encoded event size measured from the gateway's own encoding;
//  5. runs the same load through kafkajs and @platformatic/kafka as plain producers (acks=all,
//     idempotent, topics of 3 partitions, the gateway's Avro events as values, customer ids as keys).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, pipelineNames } from '@meterstream/common';
import { Kafka, logLevel } from 'kafkajs';
import { CpuMeter, load1, type CpuUse } from './bench-stats';
import { runHttpScenario } from './http-load';
import { measureEncoding } from './ingest-encoding';
import { MODES, parseArgs } from './ingest-options';
import { startPipeline, type Pipeline } from './ingest-pipeline';
import { fmtInt, fmtMs, fmtPct, renderSection, type IngestResult, type Scenario } from './ingest-report';
import { IngestWorkload } from './ingest-workload';
import { createTopic, deleteRunTopics, highWatermarkSum, waitCaughtUp, type Settle } from './kafka-admin';
import { runKafkajs, runPlatformatic, runProducerPerformance, type ProducerRun } from './producer-bench';
import * as report from './report';

const ROOT = report.ROOT;

const log = (message: string): void => console.log(`[bench-ingest] ${message}`);

/** The service processes' entry points must be built (`npx tsc -b`) before they can be started. */
function requireBuiltMains(): void {
  for (const { main } of Object.values(MODES)) {
    if (!fs.existsSync(path.join(ROOT, main))) {
      console.error(`bench-ingest: ${main} is missing; build first: node_modules/.bin/tsc -b`);
      process.exit(1);
    }
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), () => report.printUsage(__filename));
  requireBuiltMains();

  const started = new Date();
  const runId = `bench${Date.now().toString(36)}${crypto.randomBytes(2).toString('hex')}`;
  const prefix = `${runId}.ingest.`;
  const dataDirs: string[] = [];
  const adminKey = `msk_${crypto.randomBytes(20).toString('hex')}`;
  const baseEnv = {
    TOPIC_PREFIX: prefix,
    GATEWAY_HOST: '127.0.0.1',
    ADMIN_API_KEY: adminKey,
    CATALOG_FILE: path.join(ROOT, 'scripts', 'demo-catalog.json'),
    LOG_LEVEL: 'warn',
    // The default (6,000 requests per minute per key) would turn this benchmark into a 429 test.
    RATE_LIMIT_PER_MINUTE: '10000000',
  };
  const config = loadConfig({ ...process.env, ...baseEnv });
  const brokers = config.kafka.brokers;
  const admin = new Kafka({ clientId: 'bench-ingest-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();

  const uptimes: IngestResult['uptimes'] = [];
  const mark = (label: string): void => {
    const line = report.uptimeLine();
    uptimes.push({ label, line });
    log(`${label}: ${line}`);
  };
  const result: IngestResult = {
    args,
    started,
    totalMinutes: 0,
    scenarios: [],
    uptimes,
    versions: { kafkajs: report.packageVersion('kafkajs'), platformatic: report.packageVersion('@platformatic/kafka') },
  };
  let pipeline: Pipeline | undefined;
  try {
    mark('start');
    log(`topic prefix ${prefix}`);
    if (args.profile) fs.mkdirSync(args.profile, { recursive: true });
    const workload = new IngestWorkload(`${runId}-`);
    const eventsTopic = `${prefix}events`;
    for (const mode of args.gateway ? args.modes : []) {
      const { main, label, consumes, nodeFlags } = MODES[mode];
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `meterstream-bench-ingest-${mode}-`));
      dataDirs.push(dataDir);
      const env = { ...baseEnv, CLICKHOUSE_DATA_DIR: dataDir, GATEWAY_PORT: String(await report.freePort()) };
      pipeline = await startPipeline({ main, nodeFlags, env, profileDir: args.profile });
      log(`${label} up (pid ${pipeline.child.pid}) at ${pipeline.url}, ClickHouse data in ${dataDir}`);
      if (!result.size) {
        result.size = await measureEncoding(config, prefix, 4096);
        log(`event size: ${result.size.avgJson.toFixed(0)} B JSON, ${result.size.avgValue.toFixed(1)} B Avro (key ${result.size.avgKey.toFixed(1)} B)`);
      }
      const before = await highWatermarkSum(admin, eventsTopic);
      let acknowledged = 0;
      for (const [batch, connections] of args.scenarios) {
        const settle: Settle = consumes ? await waitCaughtUp(admin, pipelineNames(prefix).routerGroup, eventsTopic, args.settleS) : { seconds: 0, caughtUp: undefined };
        if (settle.caughtUp !== undefined) log(`router caught up: ${settle.caughtUp} after ${settle.seconds.toFixed(1)} s`);
        log(`${mode} ${batch} × ${connections}: ${args.warmupS} s warm-up + ${args.durationS} s`);
        const cpu = new CpuMeter({ pipeline: pipeline.child.pid ?? 0 });
        const measured: { cpu?: CpuUse<'pipeline'> } = {};
        const s = await runHttpScenario({
          baseUrl: pipeline.url,
          apiKey: adminKey,
          workload,
          batch,
          connections,
          warmupMs: args.warmupS * 1000,
          durationMs: args.durationS * 1000,
          onMeasureStart: () => cpu.start(),
          onMeasureEnd: () => {
            measured.cpu = cpu.stop();
          },
        });
        acknowledged += s.acknowledgedEvents;
        const scenario: Scenario = { ...s, mode, cpu: measured.cpu ?? {}, load1: load1(), settle };
        result.scenarios.push(scenario);
        log(
          `  ${fmtInt(s.eventsPerSec)} events/s, ${fmtInt(s.requestsPerSec)} req/s, p50 ${fmtMs(s.p50)} ms, p99 ${fmtMs(s.p99)} ms, ` +
            `service CPU ${fmtPct(scenario.cpu.pipelinePct)}, load gen ${fmtPct(scenario.cpu.selfPct)}, machine ${fmtPct(scenario.cpu.machineBusyPct)}` +
            (Object.keys(s.failures).length ? `, failures ${JSON.stringify(s.failures)}` : ''),
        );
        mark(`after ${mode} ${batch} × ${connections}`);
      }
      (result.topicChecks ??= []).push({ mode, acknowledged, inTopic: (await highWatermarkSum(admin, eventsTopic)) - before });
      log(`stopping the ${label} process`);
      const exit = await pipeline.stop();
      pipeline = undefined;
      if (exit.code !== 0) log(`it exited with ${JSON.stringify(exit)}`);
    }
    if (!result.size) result.size = await measureEncoding(config, prefix, 4096);
    result.recordSize = Math.round(result.size.avgValue);

    if (args.producers) {
      const loads: NonNullable<IngestResult['producers']>['loads'] = {};
      const producers: NonNullable<IngestResult['producers']> = { loads };
      result.producers = producers;
      const perfTopic = `${prefix}perf`;
      await createTopic(admin, perfTopic, 3);
      log(`ProducerPerformance: ${fmtInt(args.perfRecords)} records of ${result.recordSize} B`);
      producers.perf = await runProducerPerformance({
        root: ROOT,
        topic: perfTopic,
        records: args.perfRecords,
        recordSize: result.recordSize,
        brokers: brokers.join(','),
      });
      loads.perf = load1().toFixed(2);
      log(`  ${producers.perf.line}`);
      result.perf = producers.perf;
      mark('after ProducerPerformance');

      const loop = {
        brokers,
        pool: result.size.pool,
        batch: args.producerBatch,
        concurrency: args.producerConcurrency,
        warmupMs: args.producerWarmupS * 1000,
        durationMs: args.producerDurationS * 1000,
      };
      const runs: ['kafkajs' | 'platformatic', ProducerRun][] = [
        ['kafkajs', runKafkajs],
        ['platformatic', runPlatformatic],
      ];
      for (const [name, run] of runs) {
        const topic = `${prefix}perf.${name}`;
        await createTopic(admin, topic, 3);
        log(`${name}: ${args.producerConcurrency} × sends of ${args.producerBatch}, ${args.producerWarmupS} s + ${args.producerDurationS} s`);
        const produced = await run({ ...loop, topic });
        producers[name] = produced;
        loads[name] = load1().toFixed(2);
        log(`  ${fmtInt(produced.recordsPerSec)} records/s, send p50 ${fmtMs(produced.sendP50)} ms, p99 ${fmtMs(produced.sendP99)} ms`);
        mark(`after ${name}`);
      }
    }
  } finally {
    if (pipeline) await pipeline.stop().catch(() => undefined);
    if (!args.keepTopics) {
      const removed = await deleteRunTopics(admin, prefix).catch((err: unknown) => log(`clean-up failed: ${report.messageOf(err)}`));
      if (removed) log(`deleted ${removed.topics.length} topic(s) and ${removed.groups} group(s) under ${prefix}`);
    }
    await admin.disconnect();
    for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
  }
  result.totalMinutes = (Date.now() - started.getTime()) / 60000;
  const section = renderSection(result);
  console.log(`\n${section}\n`);
  if (args.write) {
    const doc = report.writeDocSection(
      'bench-ingest',
      'Ingest (gateway) against raw Kafka producers',
      'Throughput of `POST /events/ingest` (standalone pipeline, and the gateway alone) and of plain Kafka producers on\n' +
        'the same machine (`scripts/bench-ingest.js`). How it measures is described at the top of the script.',
      section,
    );
    log(`wrote ${path.relative(process.cwd(), doc)}`);
  }
}

report.runMain('bench-ingest', main, true);
