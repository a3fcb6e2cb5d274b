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
'use strict';
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { IngestWorkload } = require('./bench/ingest-workload');
const { GATEWAY_NODE_FLAGS } = require('./setup');
const { runHttpScenario } = require('./bench/http-load');
const { CpuMeter, load1, uptimeLine } = require('./bench/bench-stats');
const { packageVersion, runKafkajs, runPlatformatic, runProducerPerformance } = require('./bench/producer-bench');

const report = require('./bench/report');

const ROOT = report.ROOT;
const TARGET_RATIO = 0.4;
const TARGET_EVENTS_PER_SEC = 50000;

/** What serves POST /events/ingest in a phase. */
const MODES = {
  standalone: { main: 'services/standalone/dist/main.js', label: 'standalone (4 services, 1 process)', consumes: true, nodeFlags: [] },
  // Started as the README says a gateway of its own is started.
  gateway: { main: 'services/gateway/dist/main.js', label: 'gateway alone', consumes: false, nodeFlags: GATEWAY_NODE_FLAGS },
};

const log = (message) => console.log(`[bench-ingest] ${message}`);

// ---------------------------------------------------------------------------------------------------
// Options.

function parseArgs(argv) {
  const args = {
    scenarios: [
      [100, 4],
      [100, 16],
      [1000, 4],
      [1000, 16],
    ],
    warmupS: 3,
    durationS: 20,
    settleS: 60,
    perfRecords: 1000000,
    producerWarmupS: 3,
    producerDurationS: 15,
    producerBatch: 1000,
    producerConcurrency: 4,
    gateway: true,
    modes: ['standalone', 'gateway'],
    producers: true,
    profile: undefined,
    keepTopics: false,
    write: true,
  };
  const num = (name, value, min = 0) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min) throw new Error(`${name}: expected a number >= ${min}, got "${value}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--scenarios':
        args.scenarios = value()
          .split(',')
          .map((s) => {
            const m = /^(\d+)x(\d+)$/.exec(s.trim());
            if (!m) throw new Error(`--scenarios: expected <batch>x<connections>, got "${s}"`);
            return [num('batch', m[1], 1), num('connections', m[2], 1)];
          });
        break;
      case '--modes':
        args.modes = value()
          .split(',')
          .map((m) => m.trim())
          .filter(Boolean);
        for (const m of args.modes) if (!MODES[m]) throw new Error(`--modes: expected standalone and/or gateway, got "${m}"`);
        if (args.modes.length === 0) throw new Error('--modes: name at least one');
        break;
      case '--warmup-s':
        args.warmupS = num(a, value());
        break;
      case '--duration-s':
        args.durationS = num(a, value(), 1);
        break;
      case '--settle-s':
        args.settleS = num(a, value());
        break;
      case '--perf-records':
        args.perfRecords = num(a, value(), 1);
        break;
      case '--producer-duration-s':
        args.producerDurationS = num(a, value(), 1);
        break;
      case '--producer-batch':
        args.producerBatch = num(a, value(), 1);
        break;
      case '--producer-concurrency':
        args.producerConcurrency = num(a, value(), 1);
        break;
      case '--skip-gateway':
        args.gateway = false;
        break;
      case '--skip-producers':
        args.producers = false;
        break;
      case '--profile':
        args.profile = path.resolve(value());
        break;
      case '--keep-topics':
        args.keepTopics = true;
        break;
      case '--no-write':
        args.write = false;
        break;
      case '--help':
      case '-h':
        console.log(fs.readFileSync(__filename, 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n'));
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${a} (--help lists them)`);
    }
  }
  if (!args.gateway && !args.producers) throw new Error('--skip-gateway and --skip-producers leave nothing to run');
  return args;
}

const requireBuilt = (rel) => report.requireBuilt(rel, 'bench-ingest');

// ---------------------------------------------------------------------------------------------------
// The pipeline process.


/** Starts `node <main>` (a service's composition root) and resolves once GET /healthz answers. */
async function startPipeline({ main, nodeFlags, env, profileDir }) {
  const nodeArgs = [...nodeFlags, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, main)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exited;
  const exit = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    }),
  );
  const relay = (stream) => {
    let partial = '';
    stream.on('data', (chunk) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop();
      for (const line of lines) if (line.trim()) process.stderr.write(`  [pipeline] ${line.length > 400 ? `${line.slice(0, 400)}…` : line}\n`);
    });
  };
  relay(child.stdout);
  relay(child.stderr);
  const url = `http://127.0.0.1:${env.GATEWAY_PORT}`;
  const deadline = Date.now() + 180000;
  for (;;) {
    if (exited) throw new Error(`the pipeline process exited during start (${JSON.stringify(exited)})`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the pipeline did not answer /healthz within 180 s');
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const stop = async () => {
    if (exited) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (!exited) child.kill('SIGKILL');
    }, 60000);
    const result = await exit;
    clearTimeout(timer);
    return result;
  };
  return { child, url, stop };
}

// ---------------------------------------------------------------------------------------------------
// Kafka helpers.

async function highWatermarks(admin, topic) {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

/** Waits until `groupId` has committed the end of `topic` (or gives up); returns the seconds waited. */
async function waitCaughtUp(admin, groupId, topic, timeoutS) {
  const started = Date.now();
  if (timeoutS <= 0) return { seconds: 0, caughtUp: undefined };
  const ends = await admin.fetchTopicOffsets(topic);
  for (;;) {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const behind = ends.filter((end) => {
      const c = committed?.partitions.find((p) => p.partition === end.partition);
      return Number(end.high) > 0 && (!c || Number(c.offset) < Number(end.high));
    });
    if (behind.length === 0) return { seconds: (Date.now() - started) / 1000, caughtUp: true };
    if (Date.now() - started > timeoutS * 1000) return { seconds: (Date.now() - started) / 1000, caughtUp: false };
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function createTopic(admin, topic, partitions) {
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
}

async function cleanUp(admin, prefix) {
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30000 });
  const { groups } = await admin.listGroups();
  const ours = groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
  if (ours.length > 0) await admin.deleteGroups(ours).catch(() => undefined);
  return { topics: topics.length, groups: ours.length };
}

// ---------------------------------------------------------------------------------------------------
// Event size: the gateway's own validation and encoding of the workload's events; and what a few
// steps of the path cost in CPU per event, measured in this process (single-threaded, after a warm-up
// pass), to read the throughput figures against.

/** CPU microseconds per item of `fn()` handling `items` items: the best of `rounds` after one warm-up. */
async function cpuPerItem(items, fn, rounds = 3) {
  await fn();
  let best = Infinity;
  for (let i = 0; i < rounds; i++) {
    const before = process.cpuUsage();
    await fn();
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / items);
  }
  return best;
}

async function measureEncoding(common, gateway, config, prefix, sample) {
  const codec = new common.AvroCodec(config.registryUrl);
  const topic = `${prefix}events`;
  await codec.register(topic, 'usage-event');
  const workload = new IngestWorkload(`size-${prefix}`);
  const limits = { ...gateway.DEFAULT_INGEST_LIMITS, maxEventsPerRequest: sample };
  const body = workload.body(sample);
  const events = gateway.validateIngestBody(JSON.parse(body), Date.now(), limits);
  const pool = [];
  let valueBytes = 0;
  let keyBytes = 0;
  for (const event of events) {
    const value = await codec.encode(topic, event);
    const key = Buffer.from(event.customer_id, 'utf8');
    valueBytes += value.length;
    keyBytes += key.length;
    pool.push({ key, value });
  }
  const decodeSample = pool.slice(0, 500).map((m) => m.value);
  const costs = {
    validate: await cpuPerItem(sample, () => gateway.validateIngestBody(JSON.parse(body), Date.now(), limits)),
    encode: await cpuPerItem(sample, () => Promise.all(events.map((e) => codec.encode(topic, e)))),
    decodeAs: await cpuPerItem(decodeSample.length, () => Promise.all(decodeSample.map((b) => codec.decodeAs(b, 'usage-event')))),
    decode: await cpuPerItem(decodeSample.length, () => Promise.all(decodeSample.map((b) => codec.decode(b)))),
  };
  return { pool, avgValue: valueBytes / sample, avgKey: keyBytes / sample, avgJson: body.length / sample, costs };
}

// ---------------------------------------------------------------------------------------------------
// Report.

const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const fmtMs = (n) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(1) : Math.round(n).toLocaleString('en-US')) : 'n/a');
const fmtPct = (n) => (Number.isFinite(n) ? `${Math.round(n)}%` : 'n/a');
/** Events ingested per second of CPU the service process used (NaN without a CPU figure). */
const perCpuSecond = (s) => (s.cpu.pipelinePct > 0 ? s.eventsPerSec / (s.cpu.pipelinePct / 100) : NaN);
const fmtRatio = (n) => (Number.isFinite(n) ? `${(100 * n).toFixed(1)}%` : 'n/a');

function renderSection(r) {
  const lines = [];
  const raw = r.perf?.recordsPerSec;
  lines.push(`Measured ${r.started.toISOString().replace(/\.\d+Z$/, 'Z')} (${r.totalMinutes.toFixed(1)} min); ${os.cpus().length} cores, Node ${process.version}.`);
  lines.push('');
  if (r.size) {
    lines.push(
      `Events: ${fmtInt(r.size.avgJson)} bytes of JSON each, ${r.size.avgValue.toFixed(1)} bytes as Avro in the Confluent wire format (what the gateway produces; ` +
        `key ${r.size.avgKey.toFixed(1)} bytes), 5 metadata keys, 1,000 customers, event names with meters in \`scripts/demo-catalog.json\`. ` +
        `Raw producer record size: ${r.recordSize} bytes.`,
    );
    lines.push('');
    const c = r.size.costs;
    lines.push(
      `CPU per event measured in the benchmark process (one thread, µs): JSON.parse + \`validateIngestBody\` ${c.validate.toFixed(1)}; ` +
        `\`AvroCodec.encode\` ${c.encode.toFixed(1)}; \`AvroCodec.decodeAs\` (how the router and the aggregator read \`events\`) ${c.decodeAs.toFixed(1)}, ` +
        `against ${c.decode.toFixed(1)} for \`AvroCodec.decode\` with the writer's schema.`,
    );
    lines.push('');
  }
  if (r.scenarios.length > 0) {
    lines.push(
      '**Gateway**: `POST /events/ingest` (validation, event-id lookup in ClickHouse, Avro, @platformatic/kafka idempotent producer with acks=all, 2xx after ' +
        "Kafka's acknowledgement), closed loop from this script's process. *standalone*: the four services in one process (the router on a " +
        'worker thread, the aggregator on the gateway\'s event loop), consuming what is ingested; *gateway alone*: ' +
        `\`node ${GATEWAY_NODE_FLAGS.join(' ')} services/gateway/dist/main.js\`, nothing consuming.`,
    );
    lines.push('');
    lines.push('| served by | batch × connections | events/s | requests/s | p50 ms | p99 ms | ÷ raw Kafka | service CPU | events per service CPU-second | load generator CPU | machine busy | load (1 min) |');
    lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const s of r.scenarios) {
      lines.push(
        `| ${MODES[s.mode].label} | ${s.batch} × ${s.connections} | ${fmtInt(s.eventsPerSec)} | ${fmtInt(s.requestsPerSec)} | ${fmtMs(s.p50)} | ${fmtMs(s.p99)} | ` +
          `${fmtRatio(s.eventsPerSec / raw)} | ${fmtPct(s.cpu.pipelinePct)} | ${fmtInt(perCpuSecond(s))} | ${fmtPct(s.cpu.selfPct)} | ${fmtPct(s.cpu.machineBusyPct)} | ${s.load1.toFixed(2)} |`,
      );
    }
    lines.push('');
    lines.push(
      '*Service CPU* and *load generator CPU* are in % of one core, *machine busy* in % of all cores, over the measured period; ' +
        '*events per service CPU-second* is events/s divided by the service CPU, what the process gets through per second of CPU it is given ' +
        '(its threads included), a figure that depends less on what else runs on the machine. ' +
        `${r.args.warmupS} s of warm-up then ${r.args.durationS} s measured per scenario; latency is per request, send to full answer.`,
    );
    for (const s of r.scenarios.filter((x) => Object.keys(x.failures).length > 0 || x.shortRequests > 0)) {
      lines.push(`- ${MODES[s.mode].label}, ${s.batch} × ${s.connections}: failures ${JSON.stringify(s.failures)}, ${s.shortRequests} request(s) ingested fewer events than sent.`);
    }
    for (const c of r.topicChecks ?? []) {
      lines.push(
        `- Check (${MODES[c.mode].label}): the gateway acknowledged ${fmtInt(c.acknowledged)} events (warm-ups included); the events topic grew by ` +
          `${fmtInt(c.inTopic)} records${c.acknowledged === c.inTopic ? ' (equal)' : ' (NOT equal)'}.`,
      );
    }
    const standalone = r.scenarios.filter((s) => s.mode === 'standalone');
    if (standalone.length > 0 && r.args.settleS > 0) {
      const settles = standalone.map((s) => (s.settle.caughtUp === false ? `${s.settle.seconds.toFixed(0)} s (gave up)` : `${s.settle.seconds.toFixed(0)} s`));
      lines.push(`- Before each standalone scenario the run waited for the router to catch up on the events topic (at most ${r.args.settleS} s): ${settles.join(', ')}.`);
    }
    lines.push('');
  }
  if (r.producers) {
    const { perf, kafkajs, platformatic } = r.producers;
    lines.push(`**Raw producers** (no gateway, the pipeline stopped; acks=all, idempotent, topics of 3 partitions, records of ${r.recordSize} bytes):`);
    lines.push('');
    lines.push('| producer | records/s | MB/s | latency |');
    lines.push('| --- | ---: | ---: | --- |');
    if (perf) {
      lines.push(
        `| Kafka ProducerPerformance (Java, ${fmtInt(perf.records)} records, linger.ms=5, batch.size=131072) | ${fmtInt(perf.recordsPerSec)} | ${perf.mbPerSec.toFixed(1)} | ` +
          `record avg ${fmtMs(perf.avgMs)} ms, p50 ${perf.p50} ms, p99 ${perf.p99} ms |`,
      );
    }
    const node = (name, x) =>
      `| ${name} (${r.args.producerConcurrency} concurrent sends of ${r.args.producerBatch}, ${r.args.producerDurationS} s) | ${fmtInt(x.recordsPerSec)} | ${x.mbPerSec.toFixed(1)} | ` +
      `send p50 ${fmtMs(x.sendP50)} ms, p99 ${fmtMs(x.sendP99)} ms |`;
    if (kafkajs) lines.push(node(`kafkajs ${r.versions.kafkajs}`, kafkajs));
    if (platformatic) lines.push(node(`@platformatic/kafka ${r.versions.platformatic}`, platformatic));
    lines.push('');
    if (kafkajs && platformatic) {
      lines.push(
        `- kafkajs ÷ @platformatic/kafka: ${fmtRatio(kafkajs.recordsPerSec / platformatic.recordsPerSec)} ` +
          `(@platformatic/kafka is ${(platformatic.recordsPerSec / kafkajs.recordsPerSec).toFixed(2)}× kafkajs).`,
      );
    }
    if (perf && kafkajs) lines.push(`- kafkajs ÷ Kafka ProducerPerformance: ${fmtRatio(kafkajs.recordsPerSec / perf.recordsPerSec)}.`);
    if (r.producers.loads) lines.push(`- Load (1 min) after each run: ProducerPerformance ${r.producers.loads.perf ?? 'n/a'}, kafkajs ${r.producers.loads.kafkajs ?? 'n/a'}, @platformatic/kafka ${r.producers.loads.platformatic ?? 'n/a'}.`);
    lines.push('');
  }
  if (r.scenarios.length > 0 && raw) {
    lines.push(`**Targets**: gateway ≥ ${TARGET_RATIO * 100}% of the raw Kafka producer rate (ProducerPerformance, ${fmtInt(raw)} records/s) and ≥ ${fmtInt(TARGET_EVENTS_PER_SEC)} events/s.`);
    for (const mode of Object.keys(MODES)) {
      const rows = r.scenarios.filter((s) => s.mode === mode);
      if (rows.length === 0) continue;
      const best = rows.reduce((a, b) => (b.eventsPerSec > a.eventsPerSec ? b : a));
      const ratio = best.eventsPerSec / raw;
      lines.push(
        `- ${MODES[mode].label}, best scenario ${best.batch} × ${best.connections}: ${fmtInt(best.eventsPerSec)} events/s = ${fmtRatio(ratio)} of raw — ` +
          `ratio target ${ratio >= TARGET_RATIO ? 'met' : '**missed**'}, rate target ${best.eventsPerSec >= TARGET_EVENTS_PER_SEC ? 'met' : '**missed**'}.`,
      );
    }
    const missed = r.scenarios.every((s) => s.eventsPerSec < TARGET_EVENTS_PER_SEC || s.eventsPerSec / raw < TARGET_RATIO);
    if (missed) {
      const range = (values, fmt) => {
        const v = values.filter(Number.isFinite);
        if (v.length === 0) return 'n/a';
        const lo = fmt(Math.min(...v));
        const hi = fmt(Math.max(...v));
        return lo === hi ? lo : `${lo}–${hi}`;
      };
      lines.push(
        `- Why: the ${os.cpus().length} cores serve the broker, the registry, the service under test and the load generator at once, besides other work ` +
          `(load average ${range(r.scenarios.map((s) => s.load1), (x) => x.toFixed(1))}, machine ${range(r.scenarios.map((s) => s.cpu.machineBusyPct), fmtPct)} busy); ` +
          `the service process got ${range(r.scenarios.map((s) => s.cpu.pipelinePct), fmtPct)} of one core.`,
      );
      const alone = r.scenarios.filter((s) => s.mode === 'gateway');
      if (alone.length > 0) {
        const best = Math.max(...alone.map(perCpuSecond).filter(Number.isFinite));
        lines.push(
          `- Even given a whole core, the gateway alone would ingest about ${fmtInt(best)} events/s (its best events per CPU-second above): Node runs ` +
            'the request path on one thread — JSON parsing and validation, the event-id lookup, Avro encoding and the producer, whose record ' +
            `encoding is JavaScript (@platformatic/kafka alone: ${r.producers?.platformatic ? fmtInt(r.producers.platformatic.recordsPerSec) : 'n/a'} records/s above).`,
        );
      }
      if (r.size?.costs.decodeAs > 50 && r.scenarios.some((s) => s.mode === 'standalone')) {
        lines.push(
          '- In standalone, the router and the aggregator\'s raw-event sink each decode every event with `AvroCodec.decodeAs` at ' +
            `${r.size.costs.decodeAs.toFixed(0)} µs (it builds the reader's avsc type and compares it with the writer's on every call; ` +
            `\`decode\` takes ${r.size.costs.decode.toFixed(1)} µs), on the gateway's event loop.`,
        );
      }
    }
    lines.push('');
  }
  lines.push(`Load (\`uptime\`) during the run: ${r.uptimes.map((u) => `${u.label}: ${u.line.replace(/^.*load average:\s*/, '')}`).join('; ')}.`);
  lines.push('');
  lines.push(
    `Reproduce: \`npx tsc -b && bash infra/stack.sh up && node scripts/bench-ingest.js${process.argv
      .slice(2)
      .filter((a) => a !== '--no-write')
      .map((a) => ` ${a}`)
      .join('')}\` (\`--help\` lists the options; the run uses topics of its own and deletes them afterwards).`,
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const common = requireBuilt('services/common/dist');
  const gateway = requireBuilt('services/gateway/dist');
  requireBuilt('services/standalone/dist');
  const { Kafka, logLevel } = require('kafkajs');

  const started = new Date();
  const runId = `bench${Date.now().toString(36)}${crypto.randomBytes(2).toString('hex')}`;
  const prefix = `${runId}.ingest.`;
  const dataDirs = [];
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
  const config = common.loadConfig({ ...process.env, ...baseEnv });
  const brokers = config.kafka.brokers;
  const admin = new Kafka({ clientId: 'bench-ingest-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();

  const uptimes = [];
  const mark = (label) => {
    const line = uptimeLine();
    uptimes.push({ label, line });
    log(`${label}: ${line}`);
  };
  const result = { args, started, scenarios: [], uptimes, versions: { kafkajs: packageVersion('kafkajs'), platformatic: packageVersion('@platformatic/kafka') } };
  let pipeline;
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
        result.size = await measureEncoding(common, gateway, config, prefix, 4096);
        log(`event size: ${result.size.avgJson.toFixed(0)} B JSON, ${result.size.avgValue.toFixed(1)} B Avro (key ${result.size.avgKey.toFixed(1)} B)`);
      }
      const before = await highWatermarks(admin, eventsTopic);
      let acknowledged = 0;
      for (const [batch, connections] of args.scenarios) {
        const settle = consumes ? await waitCaughtUp(admin, `${prefix}meter-router`, eventsTopic, args.settleS) : { seconds: 0, caughtUp: undefined };
        if (settle.caughtUp !== undefined) log(`router caught up: ${settle.caughtUp} after ${settle.seconds.toFixed(1)} s`);
        log(`${mode} ${batch} × ${connections}: ${args.warmupS} s warm-up + ${args.durationS} s`);
        const cpu = new CpuMeter({ pipeline: pipeline.child.pid });
        let cpuResult;
        const s = await runHttpScenario({
          baseUrl: pipeline.url,
          apiKey: adminKey,
          workload,
          batch,
          connections,
          warmupMs: args.warmupS * 1000,
          durationMs: args.durationS * 1000,
          onMeasureStart: () => cpu.start(),
          onMeasureEnd: () => (cpuResult = cpu.stop()),
        });
        acknowledged += s.acknowledgedEvents;
        const scenario = { ...s, mode, cpu: cpuResult ?? {}, load1: load1(), settle };
        result.scenarios.push(scenario);
        log(
          `  ${fmtInt(s.eventsPerSec)} events/s, ${fmtInt(s.requestsPerSec)} req/s, p50 ${fmtMs(s.p50)} ms, p99 ${fmtMs(s.p99)} ms, ` +
            `service CPU ${fmtPct(scenario.cpu.pipelinePct)}, load gen ${fmtPct(scenario.cpu.selfPct)}, machine ${fmtPct(scenario.cpu.machineBusyPct)}` +
            (Object.keys(s.failures).length ? `, failures ${JSON.stringify(s.failures)}` : ''),
        );
        mark(`after ${mode} ${batch} × ${connections}`);
      }
      (result.topicChecks ??= []).push({ mode, acknowledged, inTopic: (await highWatermarks(admin, eventsTopic)) - before });
      log(`stopping the ${label} process`);
      const exit = await pipeline.stop();
      pipeline = undefined;
      if (exit.code !== 0) log(`it exited with ${JSON.stringify(exit)}`);
    }
    if (!result.size) result.size = await measureEncoding(common, gateway, config, prefix, 4096);
    result.recordSize = Math.round(result.size.avgValue);

    if (args.producers) {
      const loads = {};
      const producers = { loads };
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
      for (const [name, run] of [
        ['kafkajs', runKafkajs],
        ['platformatic', runPlatformatic],
      ]) {
        const topic = `${prefix}perf.${name}`;
        await createTopic(admin, topic, 3);
        log(`${name}: ${args.producerConcurrency} × sends of ${args.producerBatch}, ${args.producerWarmupS} s + ${args.producerDurationS} s`);
        producers[name] = await run({ ...loop, topic });
        loads[name] = load1().toFixed(2);
        log(`  ${fmtInt(producers[name].recordsPerSec)} records/s, send p50 ${fmtMs(producers[name].sendP50)} ms, p99 ${fmtMs(producers[name].sendP99)} ms`);
        mark(`after ${name}`);
      }
    }
  } finally {
    if (pipeline) await pipeline.stop().catch(() => undefined);
    if (!args.keepTopics) {
      const removed = await cleanUp(admin, prefix).catch((err) => log(`clean-up failed: ${err.message}`));
      if (removed) log(`deleted ${removed.topics} topic(s) and ${removed.groups} group(s) under ${prefix}`);
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

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`bench-ingest: ${err.stack || err}`);
    process.exit(1);
  },
);
