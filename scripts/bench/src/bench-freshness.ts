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
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { METER, POLL_MIN_MS, SWEEP_MS, parseArgs, type FreshnessArgs } from './freshness-options';
import { childStats, countLogLines, log, startPipeline, stopPipeline } from './freshness-pipeline';
import { render, type FreshnessRun, type Probe, type Sweep } from './freshness-report';
import type { Answer } from './gateway-client';
import { deleteRunTopics } from './kafka-admin';
import { prng } from './prng';
import * as report from './report';

const { sleep, messageOf } = report;

interface Batch {
  body: Buffer;
  size: number;
  customers: string[];
}

/** Deletes the run's topics and consumer groups from the shared Kafka; returns how many topics. */
async function deleteTopicsOf(prefix: string): Promise<number> {
  const brokers = (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',');
  const admin = new Kafka({ clientId: 'bench-freshness', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return (await deleteRunTopics(admin, prefix)).topics.length;
  } finally {
    await admin.disconnect();
  }
}

/** Request bodies of the whole load, built before it starts (JSON, one Buffer per batch). */
function buildBatches(args: FreshnessArgs, rate: number, runId: string, customers: string[]): Batch[] {
  const random = prng(42);
  const count = Math.ceil((rate * args.duration) / args.batch);
  const batches: Batch[] = [];
  const endpoints = ['/v1/chat', '/v1/embed', '/v1/complete', '/v1/moderate'];
  for (let b = 0; b < count; b++) {
    const events: object[] = [];
    for (let i = 0; i < args.batch; i++) {
      const customer = customers[Math.floor(random() * customers.length)];
      events.push({
        event_id: `${runId}-${b}-${i}`,
        customer_id: customer,
        event_name: 'api_request',
        metadata: { user_id: `user_${Math.floor(random() * 500)}`, endpoint: endpoints[Math.floor(random() * endpoints.length)], latency_ms: Math.floor(random() * 900) },
      });
    }
    batches.push({ body: Buffer.from(JSON.stringify({ events })), size: args.batch, customers: events.map((e) => (e as { customer_id: string }).customer_id) });
  }
  return batches;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), () => report.printUsage(__filename));
  const started = new Date();
  const uptimeStart = report.uptimeLine();
  log(uptimeStart);
  const scenarios: FreshnessRun[] = [];
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

async function runScenario(args: FreshnessArgs, rate: number): Promise<FreshnessRun> {
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
  const rssSeries: FreshnessRun['rssSeries'] = [];
  const sampleStats = () => {
    const s = childStats(p.child.pid ?? 0);
    if (s) rssSeries.push({ t: performance.now(), ...s });
  };
  sampleStats();
  const statsTimer = setInterval(sampleStats, 1000);
  const usageStart = new Date(Date.now() - 10 * 60 * 1000).toISOString();
  const r: FreshnessRun = {
    rate,
    runId,
    uptimeStart,
    uptimeEnd: '',
    bytesPerEvent,
    pipelineStartMs: p.startMs,
    rssSeries,
    errors: [],
    warmupMs: 0,
    rssAtStart: undefined,
    t0: 0,
    loadMs: 0,
    acked: 0,
    offered: 0,
    sent: 0,
    maxBehindMs: 0,
    requestLatency: report.summary([]),
    probes: [],
    probesSent: 0,
    polls: 0,
    pollMeanMs: 0,
    sweeps: [],
    visibleAtEnd: 0,
    drained: undefined,
    logLines: { warn: 0, error: 0, samples: [] },
  };
  try {
    // Warm-up: one probe visible end to end (consumer groups joined, schemas registered, tables ready).
    const w0 = performance.now();
    const warm = await gw.request('POST', '/events/ingest', Buffer.from(JSON.stringify({ events: [probeEvent(probeCustomer, runId, 'warmup')] })));
    if (warm.status !== 200) throw new Error(`warm-up ingest: ${warm.status} ${JSON.stringify(warm.body)}`);
    for (;;) {
      if ((await gw.usageTotal(probeCustomer, METER, usageStart)) >= 1) break;
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
    const state = { running: true, sent: 0, acked: 0, latencies: [] as number[], lastAck: t0, maxBehindMs: 0 };
    let next = 0;
    const client = async (): Promise<void> => {
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
          r.errors.push(`batch ${b}: ${messageOf(err)}`);
        }
        const e = performance.now();
        state.latencies.push(e - s);
        state.lastAck = Math.max(state.lastAck, e);
      }
    };
    // Probes in acknowledgement order.
    const probes: Probe[] = [];
    let probesSent = 0;
    const inflight = new Set<Promise<void>>();
    const prober = async (): Promise<void> => {
      let i = 0;
      while (performance.now() < loadEnd) {
        const sentAt = performance.now();
        const body = Buffer.from(JSON.stringify({ events: [probeEvent(probeCustomer, runId, i)] }));
        const n = i;
        const request = gw
          .request('POST', '/events/ingest', body)
          .catch((err: unknown): Answer => ({ status: 0, body: { message: messageOf(err) } }))
          .then((res) => {
            if (res.status === 200 && res.body.ingested_count === 1) probes.push({ sentAt, ackAt: performance.now() });
            else r.errors.push(`probe ${n}: ${res.status} ${res.body.code ?? res.body.message ?? ''}`);
          });
        inflight.add(request);
        void request.finally(() => inflight.delete(request));
        probesSent++;
        i++;
        await sleep(Math.max(0, sentAt + args.probeInterval - performance.now()));
      }
      await Promise.all([...inflight]);
    };
    let polls = 0;
    let pollMs = 0;
    const poller = async (): Promise<void> => {
      // The warm-up probe counts 1; the k-th acknowledged probe is visible once the count reaches k + 2.
      let seen = 0;
      while (state.running || seen < probes.length) {
        const s = performance.now();
        let count: number | undefined;
        try {
          count = (await gw.usageTotal(probeCustomer, METER, usageStart)) - 1;
        } catch (err) {
          r.errors.push(`poll: ${messageOf(err)}`);
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
    const sweeps: Sweep[] = [];
    const sweep = async (): Promise<number> => {
      const start = performance.now();
      let visible = 0;
      for (const c of customers) visible += await gw.usageTotal(c, METER, usageStart);
      sweeps.push({ start, t: performance.now(), visible, acked: state.acked });
      return visible;
    };
    const sweeper = async (): Promise<void> => {
      while (state.running) {
        const s = performance.now();
        await sweep().catch((err: unknown) => r.errors.push(`sweep: ${messageOf(err)}`));
        const wait = s + SWEEP_MS - performance.now();
        if (wait > 0 && state.running) await sleep(wait);
      }
    };
    const progress = setInterval(() => {
      const last = rssSeries[rssSeries.length - 1];
      const visible = sweeps.length ? sweeps[sweeps.length - 1].visible : 0;
      const fresh = probes.flatMap((x) => (x.visibleAt ? [x.visibleAt - x.ackAt] : []));
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
      const visible = await sweep().catch((err: unknown) => {
        r.errors.push(`sweep: ${messageOf(err)}`);
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
    Object.assign<FreshnessRun, Partial<FreshnessRun>>(r, {
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
      await deleteTopicsOf(p.prefix)
        .then((n) => log(`deleted ${n} topics of ${p.prefix}`))
        .catch((err: unknown) => log(`could not delete the run's topics: ${messageOf(err)}`));
      fs.rmSync(p.dataDir, { recursive: true, force: true });
    } else {
      log(`kept ${p.dataDir} (log: ${p.logFile}) and topics ${p.prefix}*`);
    }
  }
  return r;
}

function probeEvent(customer: string, runId: string, i: number | string): object {
  return { event_id: `${runId}-probe-${i}`, customer_id: customer, event_name: 'api_request', metadata: { user_id: 'probe' } };
}

report.runMain('bench-freshness', main);
