// `node scripts/bench-freshness.js [options]`
//
//   --rate N[,N…]        events per second to offer; several rates run one after the other, each on a
//                        fresh pipeline (default 10000)
//   --duration S         seconds of load (default 60)
//   --batch N            events per POST /events/ingest, 1..1000 (default 1000)
//   --clients N          concurrent HTTP clients sending batches (default 4)
//   --customers N        load customers (default 30): usage of each is read back to measure throughput
//   --probe-interval MS  one probe event every MS (default 200)
//   --flush-ms MS        AGGREGATOR_FLUSH_INTERVAL_MS of the pipeline (default 500)
//   --drain-timeout S    after the load, wait at most S seconds for every event to be visible (default 300)
//   --keep               keep the data directory, the log and the run's Kafka topics (default: removed)
//   --profile DIR        write a V8 CPU profile of the pipeline process into DIR (node --cpu-prof)
//   --no-write           print the section without writing docs/benchmarks.md
//
// End-to-end freshness and throughput of the standalone pipeline. Starts `node
// services/standalone/dist/main.js` as a child process (build first: node_modules/.bin/tsc -b) with a
// topic prefix and an embedded ClickHouse data directory of its own, a fresh ADMIN_API_KEY and the demo
// catalog, against the local stack (Kafka 127.0.0.1:9092, registry 127.0.0.1:8081 unless KAFKA_BROKERS
// / SCHEMA_REGISTRY_URL say otherwise). Then, for --duration seconds:
//  - load: --clients HTTP clients POST batches of --batch `api_request` events (a user_id each: the demo
//    catalog's mtr_api_calls and mtr_active_users both match, so each event becomes two meter records
//    plus a raw events row) for --customers customers, paced to --rate events per second overall;
//  - probes: every --probe-interval ms one `api_request` event (its own request) for a probe customer
//    of its own, whether or not the previous one was answered; a poller asks GET /usage (mtr_api_calls,
//    the probe customer) back to back, at most every 50 ms. A probe's freshness is the time from its
//    ingest 2xx to the receipt of the first GET /usage answer whose count includes it. The probes share
//    one key, so one partition of every topic: they become visible in offset order, taken to be the
//    order of their acknowledgements (the gateway's idempotent producer sends one request at a time);
//  - throughput: every 5 s the load customers' usage totals are read (GET /usage per customer), which
//    gives the events visible in ClickHouse over time; after the load, the sweep repeats until every
//    acknowledged event is visible (the drain);
//  - memory: the child's VmRSS from /proc/<pid>/status every second (the aggregator, router, gateway
//    and billing all run in it), and its CPU time from /proc/<pid>/stat.
// Rewrites the "bench-freshness" section of docs/benchmarks.md.
'use strict';
const { prng } = require('./bench/prng');
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const report = require('./bench/report');

const MAIN = path.join(report.ROOT, 'services', 'standalone', 'dist', 'main.js');
const CATALOG = path.join(report.ROOT, 'scripts', 'demo-catalog.json');
const METER = 'mtr_api_calls';
const POLL_MIN_MS = 50;
const SWEEP_MS = 5000;

function parseArgs(argv) {
  const args = {
    rates: [10000],
    duration: 60,
    batch: 1000,
    clients: 4,
    customers: 30,
    probeInterval: 200,
    flushMs: 500,
    drainTimeout: 300,
    keep: false,
    profile: undefined,
    write: true,
  };
  const numeric = {
    '--duration': 'duration',
    '--batch': 'batch',
    '--clients': 'clients',
    '--customers': 'customers',
    '--probe-interval': 'probeInterval',
    '--flush-ms': 'flushMs',
    '--drain-timeout': 'drainTimeout',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rate') {
      args.rates = String(argv[++i] ?? '')
        .split(',')
        .map(Number);
      if (args.rates.some((r) => !Number.isFinite(r) || r <= 0)) throw new Error('--rate must be positive numbers, comma-separated');
    } else if (numeric[a]) {
      const n = Number(argv[++i]);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${a} must be a positive number`);
      args[numeric[a]] = n;
    } else if (a === '--keep') args.keep = true;
    else if (a === '--profile') args.profile = path.resolve(argv[++i] ?? '.');
    else if (a === '--no-write') args.write = false;
    else if (a === '--help' || a === '-h') {
      console.log(fs.readFileSync(__filename, 'utf8').split('\n\'use strict\'')[0].replace(/^\/\/ ?/gm, ''));
      process.exit(0);
    } else throw new Error(`unknown option ${a} (--help lists them)`);
  }
  if (!Number.isInteger(args.batch) || args.batch > 1000) throw new Error('--batch must be an integer from 1 to 1000');
  return args;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...parts) => console.log(`[bench-freshness] ${parts.join(' ')}`);


/** A small keep-alive HTTP client for the gateway (lower overhead than fetch on a busy machine). */
class Gateway {
  constructor(port, key, sockets) {
    this.port = port;
    this.auth = `Bearer ${key}`;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  }

  request(method, urlPath, body) {
    return new Promise((resolve, reject) => {
      const headers = { authorization: this.auth };
      if (body) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = body.length;
      }
      const req = http.request({ host: '127.0.0.1', port: this.port, method, path: urlPath, headers, agent: this.agent }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = { raw: text };
          }
          resolve({ status: res.statusCode, body: json });
        });
        res.on('error', reject);
      });
      req.setTimeout(30000, () => req.destroy(new Error(`${method} ${urlPath}: no answer in 30 s`)));
      req.on('error', reject);
      if (body) req.write(body);
      req.end();
    });
  }

  async usageTotal(customerId, startIso) {
    const q = new URLSearchParams({ customer_id: customerId, meter_id: METER, start: startIso, window: 'hour' });
    const res = await this.request('GET', `/usage?${q}`);
    if (res.status !== 200) throw new Error(`GET /usage ${customerId}: ${res.status} ${JSON.stringify(res.body)}`);
    return Number(res.body.total);
  }

  close() {
    this.agent.destroy();
  }
}

/** The child's resident set (VmRSS, bytes) and CPU time (user + system, seconds). */
function childStats(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? NaN) * 1024;
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    return { rss, cpu: ticks / 100 };
  } catch {
    return undefined;
  }
}

async function startPipeline(args, runId) {
  if (!fs.existsSync(MAIN)) throw new Error(`${path.relative(process.cwd(), MAIN)} is missing: build first (node_modules/.bin/tsc -b)`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'meterstream-bench-freshness-'));
  const port = await report.freePort();
  const adminKey = `msk_${crypto.randomBytes(20).toString('hex')}`;
  const env = {
    ...process.env,
    TOPIC_PREFIX: `${runId}.`,
    CLICKHOUSE_DATA_DIR: path.join(dataDir, 'clickhouse'),
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: String(port),
    ADMIN_API_KEY: adminKey,
    CATALOG_FILE: CATALOG,
    LOG_LEVEL: 'warn',
    AGGREGATOR_FLUSH_INTERVAL_MS: String(args.flushMs),
    // The default (6,000 requests per minute per key) is below what the GET /usage poller needs.
    RATE_LIMIT_PER_MINUTE: '10000000',
  };
  delete env.CLICKHOUSE_URL;
  const logFile = path.join(dataDir, 'standalone.log');
  const out = fs.openSync(logFile, 'a');
  const nodeArgs = args.profile ? ['--cpu-prof', '--cpu-prof-dir', args.profile] : [];
  const child = spawn(process.execPath, [...nodeArgs, MAIN], { cwd: report.ROOT, env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const gateway = new Gateway(port, adminKey, args.clients + 4);
  const t0 = performance.now();
  let ready = false;
  while (!ready) {
    const early = await Promise.race([exited, sleep(250).then(() => undefined)]);
    if (early) throw new Error(`the pipeline exited at start (${JSON.stringify(early)}); log: ${logFile}\n${tail(logFile)}`);
    try {
      ready = (await gateway.request('GET', '/healthz')).status === 200;
    } catch {
      // not listening yet
    }
    if (performance.now() - t0 > 120000) throw new Error(`the pipeline did not answer /healthz within 120 s; log: ${logFile}`);
  }
  return { child, exited, gateway, dataDir, logFile, port, adminKey, prefix: env.TOPIC_PREFIX, startMs: performance.now() - t0 };
}

function tail(file, lines = 20) {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function stopPipeline(p) {
  if (p.child.exitCode === null && p.child.signalCode === null) {
    p.child.kill('SIGTERM');
    const done = await Promise.race([p.exited, sleep(30000).then(() => undefined)]);
    if (!done) {
      log('the pipeline did not stop within 30 s of SIGTERM; killing it');
      p.child.kill('SIGKILL');
      await p.exited;
    }
  }
  p.gateway.close();
}

/** Deletes the run's topics and consumer groups from the shared Kafka. */
async function deleteRunTopics(prefix) {
  const { Kafka, logLevel } = require('kafkajs');
  const brokers = (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',');
  const admin = new Kafka({ clientId: 'bench-freshness', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30000 });
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
    return topics.length;
  } finally {
    await admin.disconnect();
  }
}


/** Request bodies of the whole load, built before it starts (JSON, one Buffer per batch). */
function buildBatches(args, rate, runId, customers) {
  const random = prng(42);
  const count = Math.ceil((rate * args.duration) / args.batch);
  const batches = [];
  const endpoints = ['/v1/chat', '/v1/embed', '/v1/complete', '/v1/moderate'];
  for (let b = 0; b < count; b++) {
    const events = [];
    for (let i = 0; i < args.batch; i++) {
      const customer = customers[Math.floor(random() * customers.length)];
      events.push({
        event_id: `${runId}-${b}-${i}`,
        customer_id: customer,
        event_name: 'api_request',
        metadata: { user_id: `user_${Math.floor(random() * 500)}`, endpoint: endpoints[Math.floor(random() * endpoints.length)], latency_ms: Math.floor(random() * 900) },
      });
    }
    batches.push({ body: Buffer.from(JSON.stringify({ events })), size: args.batch, customers: events.map((e) => e.customer_id) });
  }
  return batches;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const started = new Date();
  const uptimeStart = report.uptimeLine();
  log(uptimeStart);
  const scenarios = [];
  for (const rate of args.rates) scenarios.push(await runScenario(args, rate));
  const uptimeEnd = report.uptimeLine();
  const section = render(scenarios, args, started, uptimeStart, uptimeEnd);
  console.log(`\n${section}\n`);
  if (args.write) {
    const doc = report.writeDocSection(
      'bench-freshness',
      'End-to-end freshness and throughput',
      'Time from an acknowledged `POST /events/ingest` to the event counting in `GET /usage`, under a steady load through the\n' +
        'standalone process (`scripts/bench-freshness.js`), with its throughput and memory. Target: p99 ≤ 2 s at 10,000 events/s.',
      section,
    );
    log(`wrote ${path.relative(process.cwd(), doc)}`);
  }
}

async function runScenario(args, rate) {
  const runId = `bf${Date.now().toString(36)}`;
  const uptimeStart = report.uptimeLine();
  log(`scenario ${rate} events/s: ${uptimeStart}`);
  const customers = Array.from({ length: args.customers }, (_, i) => `cus_load_${String(i).padStart(4, '0')}`);
  const probeCustomer = `cus_probe_${runId}`;
  const batches = buildBatches(args, rate, runId, customers);
  const bytesPerEvent = batches[0].body.length / args.batch;
  log(`${batches.length} batches of ${args.batch} events built (${report.fmt(bytesPerEvent)} bytes of JSON per event)`);

  const p = await startPipeline(args, runId);
  log(`pipeline pid ${p.child.pid} answered /healthz after ${(p.startMs / 1000).toFixed(1)} s (port ${p.port}, data ${p.dataDir})`);
  const gw = p.gateway;
  const rssSeries = [];
  const sampleStats = () => {
    const s = childStats(p.child.pid);
    if (s) rssSeries.push({ t: performance.now(), ...s });
  };
  sampleStats();
  const statsTimer = setInterval(sampleStats, 1000);
  const usageStart = new Date(Date.now() - 10 * 60 * 1000).toISOString();
  const r = { rate, runId, uptimeStart, bytesPerEvent, pipelineStartMs: p.startMs, rssSeries, errors: [] };
  try {
    // Warm-up: one probe visible end to end (consumer groups joined, schemas registered, tables ready).
    const w0 = performance.now();
    const warm = await gw.request('POST', '/events/ingest', Buffer.from(JSON.stringify({ events: [probeEvent(probeCustomer, runId, 'warmup')] })));
    if (warm.status !== 200) throw new Error(`warm-up ingest: ${warm.status} ${JSON.stringify(warm.body)}`);
    for (;;) {
      if ((await gw.usageTotal(probeCustomer, usageStart)) >= 1) break;
      if (performance.now() - w0 > 120000) throw new Error('the warm-up probe was not visible within 120 s');
      await sleep(100);
    }
    r.warmupMs = performance.now() - w0;
    log(`warm-up probe visible after ${(r.warmupMs / 1000).toFixed(1)} s; load starts: ${rate} events/s for ${args.duration} s`);
    sampleStats();
    r.rssAtStart = rssSeries[rssSeries.length - 1];

    // Load, probes, poller and sweeps run together.
    const t0 = performance.now();
    r.t0 = t0;
    const loadEnd = t0 + args.duration * 1000;
    const state = { running: true, sent: 0, acked: 0, latencies: [], lastAck: t0, maxBehindMs: 0 };
    let next = 0;
    const client = async () => {
      for (;;) {
        const b = next++;
        if (b >= batches.length) return;
        const due = t0 + (b * args.batch * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        else state.maxBehindMs = Math.max(state.maxBehindMs, -wait);
        // The load lasts --duration: batches not sent by then are dropped (counted as not sent).
        if (performance.now() >= loadEnd) return;
        state.sent += batches[b].size;
        const s = performance.now();
        try {
          const res = await gw.request('POST', '/events/ingest', batches[b].body);
          if (res.status === 200) {
            state.acked += batches[b].size;
            if (res.body.ingested_count !== batches[b].size) r.errors.push(`batch ${b}: ingested_count ${res.body.ingested_count}`);
          } else r.errors.push(`batch ${b}: ${res.status} ${res.body.code ?? ''}`);
        } catch (err) {
          r.errors.push(`batch ${b}: ${err.message}`);
        }
        const e = performance.now();
        state.latencies.push(e - s);
        state.lastAck = Math.max(state.lastAck, e);
      }
    };
    // Probes in acknowledgement order: { sentAt, ackAt, visibleAt?, pollSentAt? }.
    const probes = [];
    let probesSent = 0;
    const inflight = new Set();
    const prober = async () => {
      let i = 0;
      while (performance.now() < loadEnd) {
        const sentAt = performance.now();
        const body = Buffer.from(JSON.stringify({ events: [probeEvent(probeCustomer, runId, i)] }));
        const n = i;
        const request = gw
          .request('POST', '/events/ingest', body)
          .catch((err) => ({ status: 0, body: { message: err.message } }))
          .then((res) => {
            if (res.status === 200 && res.body.ingested_count === 1) probes.push({ sentAt, ackAt: performance.now() });
            else r.errors.push(`probe ${n}: ${res.status} ${res.body.code ?? res.body.message ?? ''}`);
          });
        inflight.add(request);
        request.finally(() => inflight.delete(request));
        probesSent++;
        i++;
        await sleep(Math.max(0, sentAt + args.probeInterval - performance.now()));
      }
      await Promise.all([...inflight]);
    };
    let polls = 0;
    let pollMs = 0;
    const poller = async () => {
      // The warm-up probe counts 1; the k-th acknowledged probe is visible once the count reaches k + 2.
      let seen = 0;
      while (state.running || seen < probes.length) {
        const s = performance.now();
        let count;
        try {
          count = (await gw.usageTotal(probeCustomer, usageStart)) - 1;
        } catch (err) {
          r.errors.push(`poll: ${err.message}`);
        }
        const e = performance.now();
        polls++;
        pollMs += e - s;
        if (count !== undefined) {
          while (seen < Math.min(count, probes.length)) {
            probes[seen].visibleAt = e;
            probes[seen].pollSentAt = s;
            seen++;
          }
        }
        if (!state.running && e - loadEnd > args.drainTimeout * 1000) break;
        if (p.child.exitCode !== null || p.child.signalCode !== null) break;
        await sleep(Math.max(0, s + POLL_MIN_MS - performance.now()));
      }
    };
    const sweeps = []; // { t, visible, acked }
    const sweep = async () => {
      const start = performance.now();
      let visible = 0;
      for (const c of customers) visible += await gw.usageTotal(c, usageStart);
      sweeps.push({ start, t: performance.now(), visible, acked: state.acked });
      return visible;
    };
    const sweeper = async () => {
      while (state.running) {
        const s = performance.now();
        await sweep().catch((err) => r.errors.push(`sweep: ${err.message}`));
        const wait = s + SWEEP_MS - performance.now();
        if (wait > 0 && state.running) await sleep(wait);
      }
    };
    const progress = setInterval(() => {
      const last = rssSeries[rssSeries.length - 1];
      const visible = sweeps.length ? sweeps[sweeps.length - 1].visible : 0;
      const fresh = probes.filter((x) => x.visibleAt).map((x) => x.visibleAt - x.ackAt);
      log(
        `t=${((performance.now() - t0) / 1000).toFixed(0)} s: acked ${report.fmt(state.acked)}, visible ${report.fmt(visible)} (last sweep), ` +
          `probes ${probesSent} sent, ${probes.length} acked, ${fresh.length} visible (p50 ${report.fmt(report.percentile(fresh, 50))} ms), ` +
          `RSS ${report.bytes(last?.rss)}, errors ${r.errors.length}, load ${os.loadavg()[0].toFixed(1)}`,
      );
    }, 10000);

    const pollerDone = poller();
    const sweeperDone = sweeper();
    await Promise.all([...Array.from({ length: args.clients }, client), prober()]);
    const loadDone = performance.now();
    state.running = false;
    await sweeperDone;
    log(`load done in ${((loadDone - t0) / 1000).toFixed(1)} s: ${report.fmt(state.acked)} events acknowledged; draining`);
    // Drain: sweep until every acknowledged load event is visible.
    while (performance.now() - loadDone < args.drainTimeout * 1000 && p.child.exitCode === null && p.child.signalCode === null) {
      const visible = await sweep().catch((err) => {
        r.errors.push(`sweep: ${err.message}`);
        return 0;
      });
      if (visible >= state.acked) {
        r.drained = sweeps[sweeps.length - 1].t;
        break;
      }
      await sleep(250);
    }
    await pollerDone;
    clearInterval(progress);
    sampleStats();
    Object.assign(r, {
      loadMs: state.lastAck - t0,
      acked: state.acked,
      offered: batches.length * args.batch,
      sent: state.sent,
      maxBehindMs: state.maxBehindMs,
      requestLatency: report.summary(state.latencies),
      probes,
      probesSent,
      polls,
      pollMeanMs: pollMs / Math.max(1, polls),
      sweeps,
      visibleAtEnd: sweeps.length ? sweeps[sweeps.length - 1].visible : 0,
    });
  } finally {
    clearInterval(statsTimer);
    r.uptimeEnd = report.uptimeLine();
    await stopPipeline(p);
    r.logLines = countLogLines(p.logFile);
    if (!args.keep) {
      await deleteRunTopics(p.prefix)
        .then((n) => log(`deleted ${n} topics of ${p.prefix}`))
        .catch((err) => log(`could not delete the run's topics: ${err.message}`));
      fs.rmSync(p.dataDir, { recursive: true, force: true });
    } else {
      log(`kept ${p.dataDir} (log: ${p.logFile}) and topics ${p.prefix}*`);
    }
  }
  return r;
}

function probeEvent(customer, runId, i) {
  return { event_id: `${runId}-probe-${i}`, customer_id: customer, event_name: 'api_request', metadata: { user_id: 'probe' } };
}

function countLogLines(file) {
  const counts = { warn: 0, error: 0, samples: [] };
  try {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      let level;
      let msg = line;
      try {
        const parsed = JSON.parse(line);
        level = parsed.level;
        msg = parsed.msg ?? line;
      } catch {
        level = 50;
      }
      if (level >= 50) counts.error++;
      else if (level >= 40) counts.warn++;
      if (level >= 40 && counts.samples.length < 4 && !counts.samples.includes(String(msg).slice(0, 120))) counts.samples.push(String(msg).slice(0, 120));
    }
  } catch {
    // no log
  }
  return counts;
}

/** Figures of one scenario, for the tables. */
function figures(r) {
  const visible = r.probes.filter((x) => x.visibleAt !== undefined);
  const fresh = report.summary(visible.map((x) => x.visibleAt - x.ackAt));
  const lower = report.summary(visible.map((x) => Math.max(0, x.pollSentAt - x.ackAt)));
  const loadSeconds = r.loadMs / 1000;
  const during = r.sweeps.filter((s) => s.t <= r.t0 + r.loadMs);
  // From the first to the last sweep of the load; with one sweep only, from the start (nothing visible).
  const first = during.length >= 2 ? during[0] : { t: r.t0, visible: 0 };
  const last = during[during.length - 1];
  const slope = last ? (last.visible - first.visible) / ((last.t - first.t) / 1000) : NaN;
  const rss = r.rssSeries.map((s) => s.rss);
  const lastDuring = [...r.rssSeries].reverse().find((s) => s.t <= r.t0 + r.loadMs) ?? r.rssSeries[r.rssSeries.length - 1];
  const every10 = [];
  for (const s of r.rssSeries) {
    if (s.t < r.t0) continue;
    const bucket = Math.floor((s.t - r.t0) / 10000);
    if (every10.length === 0 || Math.floor((every10[every10.length - 1].t - r.t0) / 10000) !== bucket) every10.push(s);
  }
  return {
    fresh,
    lower,
    invisible: r.probes.length - visible.length,
    ingestRate: r.acked / loadSeconds,
    loadSeconds,
    duringSweeps: during.length,
    visibleRate: slope,
    lastDuring: during[during.length - 1],
    drainSeconds: r.drained !== undefined ? (r.drained - (r.t0 + r.loadMs)) / 1000 : NaN,
    overallVisible: r.drained !== undefined ? r.acked / ((r.drained - r.t0) / 1000) : NaN,
    maxRss: Math.max(...rss),
    finalRss: r.rssSeries[r.rssSeries.length - 1]?.rss,
    cpuShare: (lastDuring.cpu - (r.rssAtStart?.cpu ?? 0)) / ((lastDuring.t - (r.rssAtStart?.t ?? r.t0)) / 1000),
    every10,
  };
}

function render(scenarios, args, started, uptimeStart, uptimeEnd) {
  const { fmt, bytes } = report;
  const lines = [];
  lines.push(
    `Run ${report.isoSeconds(started)}, code ${report.codeVersion()}, Node ${process.version}; ${report.machine()}.`,
    `Load (\`uptime\`) at the start: \`${uptimeStart}\`; at the end: \`${uptimeEnd}\`.`,
    '',
    `Workload: the offered rate for ${fmt(args.duration)} s, in batches of ${fmt(args.batch)} events (\`POST /events/ingest\`, ` +
      `${fmt(scenarios[0]?.bytesPerEvent ?? NaN)} bytes of JSON per event) from ${args.clients} concurrent clients, paced;`,
    `\`api_request\` events of ${fmt(args.customers)} customers, each matching 2 meters of the demo catalog (\`mtr_api_calls\` count,`,
    `\`mtr_active_users\` unique count) and written to the raw \`events\` table; \`AGGREGATOR_FLUSH_INTERVAL_MS=${args.flushMs}\`, 3 partitions`,
    'per topic, embedded ClickHouse (chdb), all four services in one process (`services/standalone/dist/main.js`), each rate on a fresh',
    `process, topic prefix and data directory. One probe event every ${args.probeInterval} ms for a probe customer; \`GET /usage\` polled back to`,
    `back (at most every ${POLL_MIN_MS} ms). Freshness: from the probe's ingest 2xx to the receipt of the first \`GET /usage\` answer counting it.`,
    '',
    '| offered | ingested (acknowledged) | visible during the load | all visible after the load | freshness p50 / p99 / max (probes) | RSS after warm-up / max / final | CPU (of one core) | load at start |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const r of scenarios) {
    const f = figures(r);
    lines.push(
      `| ${fmt(r.rate)} ev/s | ${fmt(f.ingestRate)} ev/s (${fmt(r.acked)} in ${fmt(f.loadSeconds, 1)} s) | ` +
        `${fmt(f.visibleRate)} ev/s | ${r.drained !== undefined ? `${fmt(f.drainSeconds, 1)} s later (${fmt(f.overallVisible)} ev/s overall)` : `**not within ${args.drainTimeout} s** (${fmt(r.visibleAtEnd)} of ${fmt(r.acked)})`} | ` +
        `${fmt(f.fresh.p50)} / ${fmt(f.fresh.p99)} / ${fmt(f.fresh.max)} ms (${fmt(f.fresh.count)}${f.invisible ? `, ${f.invisible} never visible` : ''}) | ` +
        `${bytes(r.rssAtStart?.rss)} / ${bytes(f.maxRss)} / ${bytes(f.finalRss)} | ${fmt(f.cpuShare * 100)} % | ${r.uptimeStart.replace(/.*load average: /, '')} |`,
    );
  }
  const target = scenarios.find((r) => r.rate >= 10000);
  if (target) {
    const f = figures(target);
    const met = f.fresh.p99 <= 2000 && f.ingestRate >= 0.95 * target.rate && f.invisible === 0 && f.fresh.count >= 200;
    lines.push('', `Target p99 ≤ 2 s at 10,000 events/s: ${met ? '**met**' : '**not met**'}.`);
  }
  for (const r of scenarios) {
    const f = figures(r);
    if (f.visibleRate < 0.9 * f.ingestRate) {
      lines.push(
        '',
        `At ${fmt(r.rate)} events/s offered the pipeline fell behind: events became visible at ${fmt(f.visibleRate)} events/s while ` +
          `${fmt(f.ingestRate)} events/s were acknowledged, so freshness grew with the backlog during the run` +
          `${r.drained !== undefined ? ` (drained ${fmt(f.drainSeconds, 1)} s after the load)` : ''}.`,
      );
    }
  }
  for (const r of scenarios) {
    const f = figures(r);
    lines.push(
      '',
      `Details at ${fmt(r.rate)} events/s offered (load \`${r.uptimeStart.replace(/.*load average: /, '')}\` → \`${r.uptimeEnd.replace(/.*load average: /, '')}\`):`,
      '',
      `- freshness lower bound (to the sending of the answering poll): p50 ${fmt(f.lower.p50)} ms, p99 ${fmt(f.lower.p99)} ms; ` +
        `${fmt(r.probesSent)} probes sent, ${fmt(r.probes.length)} acknowledged; ${fmt(r.polls)} polls of ${fmt(r.pollMeanMs, 1)} ms on average;`,
      `- ingest: ${fmt(r.sent)} of the ${fmt(r.offered)} events offered were sent before the end of the load (a client sends a batch when it is due and the client is free); ` +
        `largest lag behind the pacing ${fmt(r.maxBehindMs)} ms;` +
        ` request latency p50 ${fmt(r.requestLatency.p50)} ms, p99 ${fmt(r.requestLatency.p99)} ms, max ${fmt(r.requestLatency.max)} ms;`,
      `- visible over time (the load customers' usage, \`GET /usage\` per customer, a sweep every ${SWEEP_MS / 1000} s at most; ` +
        `seconds since the load started at the end of the sweep: visible / acknowledged by then): ` +
        `${r.sweeps.map((x) => `${fmt((x.t - r.t0) / 1000)} s: ${fmt(x.visible)} / ${fmt(x.acked)}`).join('; ')};`,
      `- RSS every 10 s (MiB): ${f.every10.map((s) => fmt(s.rss / report.MiB)).join(', ')}; started in ${fmt(r.pipelineStartMs / 1000, 1)} s, warm-up probe visible after ${fmt(r.warmupMs / 1000, 1)} s;`,
      `- errors: ${r.errors.length === 0 ? 'none' : `${r.errors.length} (${[...new Set(r.errors.map((e) => e.replace(/^(batch|probe) \d+: /, '').replace(/\?.*: no answer/, ': no answer')))].slice(0, 3).join('; ')})`}; ` +
        `logged warnings / errors: ${r.logLines.warn} / ${r.logLines.error}${r.logLines.samples.length ? ` (${r.logLines.samples.map((s) => `"${s}"`).join(', ')})` : ''}.`,
    );
  }
  lines.push(
    '',
    'The benchmark process (clients, probes, poller, sweeps) runs on the same machine. `RATE_LIMIT_PER_MINUTE` is raised for the run:',
    'the poller alone makes more than the default 6,000 requests per minute per key. Reproduce (local stack up):',
    '',
    '```bash',
    'node_modules/.bin/tsc -b',
    `node scripts/bench-freshness.js${process.argv.slice(2).filter((x) => x !== '--no-write' && x !== '--keep').map((x) => ` ${x}`).join('')}`,
    '```',
  );
  return lines.join('\n');
}

main().catch((err) => {
  console.error(`bench-freshness: ${err.stack || err}`);
  process.exit(1);
});
