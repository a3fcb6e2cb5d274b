// `node scripts/bench-router.js [options]`
//
//   --events N               events per scenario (default 200000)
//   --meters 1,10,100        scenarios: how many meters are defined (default 1,10,100); N:E gives one E events
//   --customers N            distinct customer ids, the events' keys (default 1000)
//   --max-message-bytes N    set the meter topics' max.message.bytes (default: the broker's, 1 MiB)
//   --no-count               skip reading the meter topics back; report the fan-out computed instead
//   --keep-topics            keep each scenario's topics, groups and schema subjects (default: deleted afterwards)
//   --no-write               print the section without writing docs/benchmarks.md
//   --timeout-min N          give up on a scenario after N minutes (default 30)
//   --stall-min N            give up when the router commits nothing for N minutes (default 10)
//   --profile DIR            write a V8 CPU profile of each router process into DIR (node --cpu-prof)
//
// Measures the meter-router's throughput with 1, 10 and 100 meters defined, all on the event name
// `api_request` (every event is a candidate for every meter), and rewrites the "Meter router" section
// of docs/benchmarks.md between its markers. Needs a build (`npx tsc -b`) and the local stack
// (`bash infra/stack.sh up`).
//
// Per scenario, on a topic prefix of its own:
//  1. this process writes a catalog file, runs connectPlatform (topics, schemas, catalog seed) and
//     pre-produces the events to `<prefix>events` as Avro (idempotent producer, acks -1, sends of 1,000
//     messages keyed by customer), computing from the generated events which meters each one matches;
//  2. a child process (this file with --child) runs connectPlatform and a MeterRouter, like
//     services/meter-router/src/main.ts; the clock starts just before router.start() and stops when the
//     router's group has committed the events topic's high watermark on every partition (polled every
//     100 ms from here, so the poll costs the router nothing);
//  3. the child reports its RSS and heap, then stops; a read_committed consumer here counts the meter
//     topics' records (the measured fan-out), then the scenario's topics and groups are deleted.
'use strict';
const { prng } = require('./bench/prng');
const { execFileSync, fork } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ConfigResourceTypes, Partitioners } = require('kafkajs');

const report = require('./bench/report');

const ROOT = report.ROOT;
const MiB = 1024 * 1024;

const requireBuilt = (rel) => report.requireBuilt(rel, 'bench-router');

const common = requireBuilt('services/common/dist');

// ---------------------------------------------------------------------------------------------------
// Workload: meters, filters and events (deterministic, seeded).

const AGGREGATIONS = [
  { type: 'count' },
  { type: 'sum', key: 'tokens' },
  { type: 'unique_count', key: 'user_id' },
  { type: 'max', key: 'tokens' },
  { type: 'last', key: 'tokens' },
];

/** Simple filters, each with an independent predicate used to compute the expected fan-out. */
const FILTERS = [
  {
    label: 'region = eu',
    filter: { conjunction: 'and', clauses: [{ key: 'region', operator: 'equals', value: 'eu' }] },
    test: (m) => m.region === 'eu',
  },
  {
    label: 'model = model-large',
    filter: { conjunction: 'and', clauses: [{ key: 'model', operator: 'equals', value: 'model-large' }] },
    test: (m) => m.model === 'model-large',
  },
  {
    label: 'tokens > 2000 (numeric)',
    filter: { conjunction: 'and', clauses: [{ key: 'tokens', operator: 'greater_than', value: 2000 }] },
    test: (m) => Number(m.tokens.decimal) > 2000,
  },
];

/** Meter i: aggregation i mod 5; odd meters carry a filter (rotating through FILTERS). */
function benchMeters(n) {
  const meters = [];
  for (let i = 0; i < n; i++) {
    const aggregation = AGGREGATIONS[i % AGGREGATIONS.length];
    const filter = i % 2 === 1 ? FILTERS[Math.floor(i / 2) % FILTERS.length] : undefined;
    meters.push({
      id: `bench_${String(i).padStart(3, '0')}`,
      name: `bench meter ${i} (${aggregation.type}${aggregation.key ? ` of ${aggregation.key}` : ''}${filter ? `, ${filter.label}` : ''})`,
      event_name: 'api_request',
      aggregation,
      measurement_unit: 'units',
      ...(filter ? { filter: filter.filter } : {}),
      // Not part of the catalog file; stripped before writing it.
      test: filter ? filter.test : () => true,
    });
  }
  return meters;
}


const MODELS = ['model-large', 'model-medium', 'model-small'];
const ENDPOINTS = ['/v1/chat', '/v1/embed', '/v1/complete', '/v1/moderate'];

function makeEvent(random, prefix, i, events, customers, startMs) {
  const pick = (list) => list[Math.floor(random() * list.length)];
  return {
    event_id: `${prefix}evt-${i}`,
    customer_id: `cus_${String(Math.floor(random() * customers)).padStart(4, '0')}`,
    event_name: 'api_request',
    // Spread over the 10 minutes before the run, in order.
    timestamp: startMs - 600_000 + Math.floor((i * 600_000) / events),
    metadata: {
      tokens: { decimal: String(1 + Math.floor(random() * 4000)) },
      user_id: `user_${Math.floor(random() * 5000)}`,
      region: random() < 0.5 ? 'eu' : 'us',
      model: pick(MODELS),
      endpoint: pick(ENDPOINTS),
    },
    ingested_at: startMs,
  };
}

// ---------------------------------------------------------------------------------------------------
// Child: the router process.

async function runChild() {
  const { MeterRouter } = requireBuilt('services/meter-router/dist');
  const config = common.loadConfig(process.env);
  const logger = common.createLogger(config.logLevel, 'bench-router-child');
  const platform = await common.connectPlatform(config, logger, 'meter-router');
  const groupId = `${config.kafka.topicPrefix}meter-router`;

  // Observe the router from outside: its consumer's instrumentation events and its producers'
  // transactions. A batch starts at START_BATCH_PROCESS and ends when its routing transaction committed
  // (END_BATCH_PROCESS is not emitted when eachBatch throws, e.g. when its final heartbeat fails).
  const stats = {
    starts: 0, ends: 0, joins: 0, crashes: 0, maxBatchEvents: 0, batchMs: 0, maxBatchMs: 0,
    firstJoinAt: undefined, firstBatchStart: undefined, lastCommitEnd: undefined,
  };
  const batchStart = new Map();
  // Routing transactions (those that carry consumer offsets), apart from others (the dedup restore's).
  const tx = { count: 0, other: 0, aborted: 0, beginMs: 0, sendBatchMs: 0, sendOffsetsMs: 0, commitMs: 0 };
  const kafka = Object.create(platform.kafka);
  kafka.consumer = (options) => {
    const consumer = platform.kafka.consumer(options);
    if (options.groupId === groupId) {
      const { GROUP_JOIN, START_BATCH_PROCESS, END_BATCH_PROCESS, CRASH } = consumer.events;
      consumer.on(GROUP_JOIN, () => {
        stats.joins++;
        stats.firstJoinAt ??= Date.now();
      });
      consumer.on(CRASH, ({ payload }) => {
        stats.crashes++;
        process.send({ type: 'crash', error: String(payload.error?.message ?? payload.error), restart: payload.restart });
      });
      consumer.on(START_BATCH_PROCESS, ({ payload }) => {
        const now = Date.now();
        stats.starts++;
        stats.maxBatchEvents = Math.max(stats.maxBatchEvents, payload.batchSize);
        stats.firstBatchStart ??= now;
        batchStart.set(payload.partition, now);
      });
      consumer.on(END_BATCH_PROCESS, () => stats.ends++);
    }
    return consumer;
  };
  kafka.producer = (options) => {
    const producer = platform.kafka.producer(options);
    const partition = Number(/\.(\d+)$/.exec(options.transactionalId ?? '')?.[1] ?? NaN);
    const transaction = producer.transaction.bind(producer);
    producer.transaction = async () => {
      const t = performance.now();
      const txn = await transaction();
      const times = { beginMs: performance.now() - t, sendBatchMs: 0, sendOffsetsMs: 0, commitMs: 0 };
      let routing = false;
      let lastError;
      const timed = (key, fn) => async (...args) => {
        const t0 = performance.now();
        try {
          return await fn(...args);
        } catch (err) {
          lastError = err.message;
          throw err;
        } finally {
          times[key] += performance.now() - t0;
        }
      };
      const sendBatch = timed('sendBatchMs', txn.sendBatch.bind(txn));
      const sendOffsets = timed('sendOffsetsMs', txn.sendOffsets.bind(txn));
      const commit = timed('commitMs', txn.commit.bind(txn));
      txn.sendBatch = sendBatch;
      txn.sendOffsets = (...args) => {
        routing = true;
        return sendOffsets(...args);
      };
      txn.commit = async (...args) => {
        const result = await commit(...args);
        if (!routing) tx.other++;
        else {
          const now = Date.now();
          tx.count++;
          for (const key of Object.keys(times)) tx[key] += times[key];
          stats.lastCommitEnd = now;
          if (batchStart.has(partition)) {
            const ms = now - batchStart.get(partition);
            stats.batchMs += ms;
            stats.maxBatchMs = Math.max(stats.maxBatchMs, ms);
          }
        }
        return result;
      };
      const abort = txn.abort.bind(txn);
      txn.abort = (...args) => {
        tx.aborted++;
        process.send({ type: 'abort', error: lastError });
        return abort(...args);
      };
      return txn;
    };
    return producer;
  };

  const router = new MeterRouter({ config, kafka, codec: platform.codec, topics: platform.topics, catalog: platform.catalog, logger, groupId });
  const memBefore = process.memoryUsage();
  const cpuBefore = process.cpuUsage();
  const startAt = Date.now();
  process.send({ type: 'starting', at: startAt, rssBefore: memBefore.rss, heapBefore: memBefore.heapUsed });
  await router.start();
  process.send({ type: 'started', at: Date.now() });

  process.on('message', async (msg) => {
    if (msg.type !== 'report') return;
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage(cpuBefore);
    process.send({
      type: 'report',
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      heapTotal: mem.heapTotal,
      maxRss: process.resourceUsage().maxRSS * 1024,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      startAt,
      stats,
      tx,
    });
    await router.stop();
    await platform.stop();
    process.exit(0);
  });
}

// ---------------------------------------------------------------------------------------------------
// Parent: scenarios, measurement, report.

function parseArgs(argv) {
  const args = { events: 200_000, meters: [1, 10, 100].map((meters) => ({ meters })), customers: 1000, batch: 1000, count: true, keepTopics: false, write: true, timeoutMin: 30, stallMin: 10, maxMessageBytes: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    const positive = (v, name) => {
      if (!/^\d+$/.test(v) || Number(v) < 1) throw new Error(`${name} expects a positive whole number, got "${v}"`);
      return Number(v);
    };
    if (arg === '--events') args.events = positive(value(), arg);
    else if (arg === '--meters') {
      args.meters = value()
        .split(',')
        .map((v) => {
          const [meters, events] = v.trim().split(':');
          return { meters: positive(meters, arg), events: events === undefined ? undefined : positive(events, arg) };
        });
    }
    else if (arg === '--customers') args.customers = positive(value(), arg);
    else if (arg === '--timeout-min') args.timeoutMin = positive(value(), arg);
    else if (arg === '--stall-min') args.stallMin = positive(value(), arg);
    else if (arg === '--max-message-bytes') args.maxMessageBytes = positive(value(), arg);
    else if (arg === '--profile') args.profileDir = path.resolve(value());
    else if (arg === '--no-count') args.count = false;
    else if (arg === '--keep-topics') args.keepTopics = true;
    else if (arg === '--no-write') args.write = false;
    else if (arg === '--help' || arg === '-h') {
      const header = fs.readFileSync(__filename, 'utf8').split("'use strict'")[0];
      console.log(header.replace(/^\/\/ ?/gm, '').trim());
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (see --help)`);
  }
  for (const spec of args.meters) spec.events ??= args.events;
  return args;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function loadNow() {
  const [one, five, fifteen] = os.loadavg();
  return `${one.toFixed(2)}, ${five.toFixed(2)}, ${fifteen.toFixed(2)}`;
}

function uptimeLine() {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average: ${loadNow()}`;
  }
}

function codeVersion() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'services/meter-router/src', 'services/common/src'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${head} + uncommitted changes in services/meter-router or services/common` : head;
  } catch {
    return 'unknown';
  }
}

async function highWatermarks(admin, topic) {
  return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
}

/** Writes the catalog, connects the platform, produces the events; returns the expected fan-out. */
async function prepare(scenario, args, logger) {
  const meters = benchMeters(scenario.meters);
  const catalog = { meters: meters.map(({ test, ...meter }) => meter), products: [], customers: [], subscriptions: [] };
  fs.writeFileSync(scenario.catalogFile, JSON.stringify(catalog, null, 2));
  const platform = await common.connectPlatform(scenario.config, logger, 'bench-producer');
  const { topics, codec, kafka } = platform;
  if (args.maxMessageBytes) {
    await platform.admin.alterConfigs({
      validateOnly: false,
      resources: meters.map((m) => ({
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
  const perMeter = new Map(meters.map((m) => [m.id, 0]));
  let matches = 0;
  let bytes = 0;
  const t0 = performance.now();
  try {
    for (let sent = 0; sent < scenario.events; ) {
      const size = Math.min(args.batch, scenario.events - sent);
      const messages = [];
      for (let j = 0; j < size; j++) {
        const event = makeEvent(random, scenario.prefix, sent + j, scenario.events, args.customers, startMs);
        for (const meter of meters) {
          if (meter.test(event.metadata)) {
            perMeter.set(meter.id, perMeter.get(meter.id) + 1);
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
  return { kafka, topics, meters, perMeter, expected: matches, produceSeconds, eventBytes: bytes / scenario.events };
}

/** Runs the router in a child process until its group committed `ends` on every partition. */
async function routeAll(scenario, admin, ends, timeoutMs, stallMs, profileDir) {
  const child = fork(__filename, ['--child'], {
    execArgv: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    env: { ...process.env, TOPIC_PREFIX: scenario.prefix, CATALOG_FILE: scenario.catalogFile, LOG_LEVEL: scenario.config.logLevel },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const nextMessage = (type) =>
    new Promise((resolve, reject) => {
      const onMessage = (msg) => {
        if (msg.type !== type) return;
        child.off('message', onMessage);
        resolve(msg);
      };
      child.on('message', onMessage);
      exited.then(({ code, signal }) => reject(new Error(`router process exited (${code ?? signal}) before "${type}"`)));
    });
  // A consumer crash without restart leaves the router process alive but idle: stop waiting then.
  let failure;
  child.on('message', (msg) => {
    if (msg.type === 'crash' && msg.restart === false) failure ??= `router consumer crashed and does not restart: ${msg.error}`;
  });
  exited.then(({ code, signal }) => (failure ??= `router process exited (${code ?? signal})`));
  const aborts = { count: 0, last: undefined };
  child.on('message', (msg) => {
    if (msg.type !== 'abort') return;
    aborts.count++;
    aborts.last = msg.error;
  });
  let progress = 0n;
  try {
    const starting = await nextMessage('starting');
    const deadline = Date.now() + timeoutMs;
    const groupId = `${scenario.prefix}meter-router`;
    let doneAt;
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
      if (failure) throw Object.assign(new Error(`${failure} (after ${elapsed}, ${progress} events committed)`), { progress, elapsedMs: Date.now() - starting.at });
      if (Date.now() > deadline || Date.now() - lastMove > stallMs) {
        const why = Date.now() > deadline ? `did not catch up within ${timeoutMs / 60000} min` : `made no progress for ${stallMs / 60000} min`;
        const aborted = aborts.count ? `; ${aborts.count} routing transaction(s) aborted, the last on: ${aborts.last}` : '';
        throw Object.assign(new Error(`router ${why} (after ${elapsed}, ${progress} events committed${aborted})`), { progress, elapsedMs: Date.now() - starting.at });
      }
      await sleep(100);
    }
    const report = nextMessage('report');
    child.send({ type: 'report' });
    const result = { ...(await report), doneAt, startAt: starting.at, rssBefore: starting.rssBefore };
    const { code, signal } = await exited;
    if (code !== 0) console.warn(`bench-router: router process exited with ${code ?? signal} after the measurement`);
    return result;
  } catch (err) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw err;
  }
}

/** Counts the meter topics' records with a read_committed consumer (transaction markers excluded). */
async function countOutput(kafka, admin, scenario, meterTopics, expected) {
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
      perTopic.set(batch.topic, perTopic.get(batch.topic) + batch.messages.length);
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
async function cleanup(admin, prefix, registryUrl) {
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 60000 });
  const { groups } = await admin.listGroups();
  const ours = groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
  if (ours.length > 0) await admin.deleteGroups(ours).catch(() => undefined);
  // Subjects by name: a registry's subject list may be capped (Apicurio lists 1,000 at most).
  for (const topic of topics) {
    const url = `${registryUrl}/subjects/${encodeURIComponent(`${topic}-value`)}`;
    const soft = await fetch(url, { method: 'DELETE' });
    if (soft.ok) await fetch(`${url}?permanent=true`, { method: 'DELETE' });
  }
}

async function runScenario({ meters: n, events }, index, args, runId, logger) {
  const prefix = `${runId}.${index}m${n}.`;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'meterstream-bench-router-'));
  const catalogFile = path.join(tmp, 'catalog.json');
  const config = common.loadConfig({ ...process.env, TOPIC_PREFIX: prefix, CATALOG_FILE: catalogFile, LOG_LEVEL: process.env.LOG_LEVEL || 'warn' });
  const scenario = { meters: n, events, prefix, catalogFile, config, topics: new common.Topics(config) };
  const log = (message) => console.log(`[bench-router] ${n} meter(s): ${message}`);
  const kafka = common.createKafka(config, logger, 'bench-admin');
  const admin = kafka.admin();
  await admin.connect();
  try {
    const load = loadNow();
    log(`load before: ${load}; producing ${events} events to ${scenario.topics.events}`);
    let prepared;
    try {
      prepared = await prepare(scenario, args, logger);
    } catch (err) {
      log(`FAILED to set up: ${err.message}`);
      return { meters: n, filtered: benchMeters(n).filter((m) => m.filter).length, events, load, failed: `setting up the scenario failed: ${err.message}`, progress: 0, elapsedMs: 0 };
    }
    const ends = await highWatermarks(admin, scenario.topics.events);
    const inCount = [...ends.values()].reduce((a, b) => a + b, 0n);
    if (inCount !== BigInt(events)) throw new Error(`events topic holds ${inCount} records, expected ${events}`);
    log(`produced in ${prepared.produceSeconds.toFixed(1)} s; expected output ${prepared.expected} records; starting the router`);
    let run;
    try {
      run = await routeAll(scenario, admin, ends, args.timeoutMin * 60000, args.stallMin * 60000, args.profileDir);
    } catch (err) {
      log(`FAILED: ${err.message}`);
      return {
        meters: n, filtered: prepared.meters.filter((m) => m.filter).length, events, load, eventBytes: prepared.eventBytes,
        failed: err.message, progress: Number(err.progress ?? 0), elapsedMs: err.elapsedMs,
      };
    }
    const wallSeconds = (run.doneAt - run.startAt) / 1000;
    log(
      `routed in ${wallSeconds.toFixed(1)} s: ${run.tx.count} routing transactions, ${run.stats.starts} batch starts, ` +
        `${run.stats.starts - run.stats.ends} batches ending in an error, ${run.stats.joins} group joins, ${run.tx.aborted} aborts, ${run.stats.crashes} consumer crashes`,
    );

    const meterTopics = prepared.meters.map((m) => scenario.topics.meter(m.id));
    let highSum = 0n;
    for (const topic of meterTopics) for (const high of (await highWatermarks(admin, topic)).values()) highSum += high;
    const dlqHigh = [...(await highWatermarks(admin, scenario.topics.eventsDlq)).values()].reduce((a, b) => a + b, 0n);
    let counted;
    if (args.count) {
      counted = await countOutput(kafka, admin, scenario, meterTopics, prepared.expected);
      log(`counted ${counted.total} records read_committed in ${counted.seconds.toFixed(1)} s`);
      const wrong = prepared.meters.filter((m) => counted.perTopic.get(scenario.topics.meter(m.id)) !== prepared.perMeter.get(m.id));
      if (wrong.length > 0) {
        console.warn(`bench-router: ${wrong.length} meter topic(s) differ from the expected fan-out, e.g. ${wrong[0].id}: ` +
          `${counted.perTopic.get(scenario.topics.meter(wrong[0].id))} read, ${prepared.perMeter.get(wrong[0].id)} expected`);
      }
    }
    const out = counted ? counted.total : prepared.expected;
    return {
      meters: n,
      filtered: prepared.meters.filter((m) => m.filter).length,
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
    if (!args.keepTopics) await cleanup(admin, prefix, config.registryUrl).catch((err) => console.warn(`bench-router: cleanup of ${prefix}* failed: ${err.message}`));
    await admin.disconnect();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mib = (bytes) => fmt(bytes / MiB);

function renderSection(results, args, started, uptimes, version) {
  const lines = [];
  const ok = results.filter((r) => !r.failed);
  lines.push(
    `Run ${started.toISOString().replace(/\.\d+Z$/, 'Z')}, ${[...new Set(results.map((r) => fmt(r.events)))].join(' or ')} events per scenario ` +
      `(${fmt(args.customers)} customers), code ${version}, Node ${process.version}.`,
    `Machine: ${os.cpus().length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB of RAM, ${os.type()}; the local native stack ` +
      '(`bash infra/stack.sh up`: single-node Kafka in KRaft mode and Apicurio Registry on loopback, no Docker) on the same machine.',
    `Load (\`uptime\`) at the start: \`${uptimes[0]}\`; at the end: \`${uptimes[uptimes.length - 1]}\`.`,
    '',
    '| meters (filtered) | fan-out: candidates / matches per event | events | wall time | events/s in | records/s out | router RSS / peak | heap used / total | load before (1, 5, 15 min) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const r of results) {
    if (r.failed) {
      lines.push(
        `| ${r.meters} (${r.filtered}) | ${r.meters} / - | ${fmt(r.events)} | **failed** after ${((r.elapsedMs ?? 0) / 1000).toFixed(0)} s ` +
          `(${fmt(r.progress)} events committed) | - | - | - | - | ${r.load} |`,
      );
      continue;
    }
    lines.push(
      `| ${r.meters} (${r.filtered}) | ${r.meters} / ${(r.out / r.events).toFixed(2)} | ${fmt(r.events)} | ${r.wallSeconds.toFixed(1)} s | ` +
        `${fmt(r.events / r.wallSeconds)} | ${fmt(r.out / r.wallSeconds)} | ${mib(r.rss)} / ${mib(r.maxRss)} MiB | ` +
        `${mib(r.heapUsed)} / ${mib(r.heapTotal)} MiB | ${r.load} |`,
    );
  }
  if (ok.length > 0) {
    lines.push(
      '',
      'Details. *Join*: from `router.start()` to the first group join. *Routing rate*: events over the time from the first batch start to the',
      'last routing commit. *Batches*: routing transactions committed (mean and largest batch in events). *Batch time*: from the start of a',
      "batch to its transaction's commit, mean and max; of which *in transaction*: begin + sendBatch + sendOffsets + commit, mean per",
      'batch, with sendBatch / commit. *Rejoins / failed batches*: group joins after the first, and batches whose eachBatch ended in an',
      'error (kafkajs then emits no END_BATCH_PROCESS). *RSS at start*: the router process after connectPlatform, before `router.start()`.',
      '*CPU*: router process, user + system, from start to the end of the measurement. *Markers*: meter-topic high watermarks minus records read.',
      '',
      '| meters | output records | join | routing rate (events/s) | batches: count (mean / max events) | batch time: mean / max | in transaction (sendBatch / commit) | rejoins / failed batches | RSS at start | router CPU | markers | input produced at |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const r of ok) {
      const s = r.stats;
      const t = r.tx;
      const perTx = (ms) => (t.count ? fmt(ms / t.count) : '-');
      const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
      lines.push(
        `| ${r.meters} | ${fmt(r.out)}${r.measured ? '' : ' (expected, not read)'} | ${r.joinSeconds?.toFixed(1) ?? '-'} s | ` +
          `${r.routingSeconds ? fmt(r.events / r.routingSeconds) : '-'} | ` +
          `${fmt(t.count)} (${t.count ? fmt(r.events / t.count) : '-'} / ${fmt(s.maxBatchEvents)}) | ` +
          `${t.count ? seconds(s.batchMs / t.count) : '-'} / ${seconds(s.maxBatchMs)} | ` +
          `${perTx(t.beginMs + t.sendBatchMs + t.sendOffsetsMs + t.commitMs)} ms (${perTx(t.sendBatchMs)} / ${perTx(t.commitMs)}) | ` +
          `${Math.max(0, s.joins - 1)} / ${s.starts - s.ends} | ${mib(r.rssBefore)} MiB | ` +
          `${((r.cpuUserMs + r.cpuSystemMs) / 1000).toFixed(1)} s | ${r.markers === undefined ? '-' : fmt(r.markers)} | ` +
          `${fmt(r.events / r.produceSeconds)} events/s |`,
      );
    }
  }
  lines.push(
    '',
    'Every meter is on `api_request`, so every event is a candidate for every meter (fan-out = meters). Meter *i* aggregates',
    '`count`, `sum`, `unique_count`, `max`, `last` in turn (`tokens`, `user_id`); odd meters carry one filter, in turn `region = eu`',
    '(half the events), `model = model-large` (a third), `tokens > 2000` (half; a numeric comparison). Events carry 5 metadata keys',
    `(\`tokens\` as an exact decimal, \`user_id\`, \`region\`, \`model\`, \`endpoint\`), ${fmt(ok[0]?.eventBytes ?? 0)} bytes of Avro each on average; the topics have 3 partitions.`,
    'Matches per event are measured: records read back read_committed from the meter topics divided by events' +
      (ok.every((r) => r.measured) ? '' : ' (where marked, the count computed from the generated events instead)') +
      '; they equalled the count computed from the generated events' +
      (ok.every((r) => !r.measured || r.out === r.expected) ? '' : ' **except where they differ: see the run log**') +
      `, and the DLQ stayed ${ok.every((r) => r.dlq === 0) ? 'empty' : `non-empty (${ok.map((r) => r.dlq).join(', ')})`}.`,
    'The router runs in a process of its own (connectPlatform + MeterRouter, as `services/meter-router/src/main.ts`); RSS and heap are',
    "that process's after routing, peak RSS its maximum; the events are produced beforehand by the benchmark process.",
    args.maxMessageBytes
      ? `The meter topics' \`max.message.bytes\` was raised to ${fmt(args.maxMessageBytes)} bytes (\`--max-message-bytes\`): with the broker's default (1 MiB), ` +
        "one batch's records for one meter-topic partition (a 2 MiB fetch holds about 14,000 events, all keyed to the same partition number) " +
        'can exceed it; the broker then rejects the transaction (MESSAGE_TOO_LARGE, not retriable) and the router\'s consumer crashes. Run without the option to check.'
      : "The meter topics have the broker's default `max.message.bytes` (1 MiB).",
    ...results.filter((r) => r.failed).map((r) => `Failed with ${r.meters} meter(s): ${r.failed.replace(/\s+/g, ' ')}`),
    '',
    `Reproduce: \`npx tsc -b && bash infra/stack.sh up && node scripts/bench-router.js${process.argv.slice(2).filter((a) => a !== '--no-write').map((a) => ` ${a}`).join('')}\`` +
      ' (`--help` lists the options; each scenario uses topics of its own and deletes them afterwards).',
  );
  return lines.join('\n');
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const logger = common.createLogger(process.env.LOG_LEVEL || 'warn', 'bench-router');
  const started = new Date();
  const runId = `benchrouter${Date.now().toString(36)}`;
  const uptimes = [uptimeLine()];
  const version = codeVersion();
  console.log(`[bench-router] ${uptimes[0]}`);
  const results = [];
  for (const [index, spec] of args.meters.entries()) {
    console.log(`[bench-router] ${uptimeLine()}`);
    results.push(await runScenario(spec, index, args, runId, logger));
  }
  uptimes.push(uptimeLine());
  const section = renderSection(results, args, started, uptimes, version);
  console.log(`\n${section}\n`);
  if (args.write) {
    const doc = report.writeDocSection(
      'bench-router',
      'Meter router',
      'Throughput of the meter-router (`scripts/bench-router.js`) with 1, 10 and 100 meters defined.',
      section,
    );
    console.log(`[bench-router] wrote ${path.relative(process.cwd(), doc)}`);
  }
}

if (process.argv.includes('--child')) {
  runChild().catch((err) => {
    console.error(`bench-router (router process): ${err.stack || err}`);
    process.exit(1);
  });
} else {
  main().catch((err) => {
    console.error(`bench-router: ${err.stack || err}`);
    process.exit(1);
  });
}
