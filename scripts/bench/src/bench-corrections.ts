// `node scripts/bench-corrections.js [options]`
//
//   --events N       events per phase (default 50000)
//   --batch N        events per request (default 1000)
//   --clients N      concurrent clients (default 2)
//   --voids N        voids timed one by one (default 30)
//   --no-write       print the section without writing docs/benchmarks.md
//
// Backfill throughput and the time from a void to corrected usage, on the standalone process
// (services/standalone/dist/main.js: all four services, embedded ClickHouse) with the demo catalog, on
// topics and a data directory of its own:
//  1. baseline, same run: N events of now through POST /events/ingest (batches of B, C clients); the
//     clock stops when GET /usage of the count meter `mtr_api_calls` shows all N;
//  2. backfill: N events spread over 1 to 34 days ago through POST /events/backfill, timed the same way
//     (every one of them is older than the router's window, so each meter checks its stored records
//     for repeats); then the first batch is sent again and the total must not move;
//  3. voids: one at a time, a backfilled event is voided (POST /events/{id}/void) and GET /usage of its
//     minute is polled every 20 ms until the event is gone: the time from the void's 200 to corrected
//     usage.
// Rewrites the "bench-corrections" section of docs/benchmarks.md with the figures and the load.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { load1, processCpuSeconds } from './bench-stats';
import * as report from './report';
import { standaloneChild } from './standalone-child';

interface Args {
  events: number;
  batch: number;
  clients: number;
  voids: number;
  write: boolean;
}

const CUSTOMER = 'cus_bench_corrections';
const DAY = 86_400_000;

function parseArgs(argv: string[]): Args {
  const args: Args = { events: 50_000, batch: 1000, clients: 2, voids: 30, write: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return Number(v);
    };
    if (a === '--events') args.events = value();
    else if (a === '--batch') args.batch = value();
    else if (a === '--clients') args.clients = value();
    else if (a === '--voids') args.voids = value();
    else if (a === '--no-write') args.write = false;
    else if (a === '--help' || a === '-h') report.printUsage(__filename);
    else throw new Error(`unknown option ${a} (--help lists them)`);
  }
  for (const [name, n] of [['--events', args.events], ['--batch', args.batch], ['--clients', args.clients], ['--voids', args.voids]] as const) {
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  }
  return args;
}

interface Phase {
  name: string;
  events: number;
  /** Until the last request's 200. */
  acknowledgedMs: number;
  /** Until GET /usage showed every event. */
  visibleMs: number;
  cpuSeconds: number;
  load1: number;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meterstream-bench-corrections-'));
  const standalone = await standaloneChild('benchcor', dir, path.join(report.ROOT, 'scripts', 'demo-catalog.json'));
  const { url, key, logFile } = standalone;
  standalone.start();
  const child = standalone.process!;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
  const post = async (route: string, body: unknown): Promise<{ status: number; body: string }> => {
    const res = await fetch(`${url}${route}`, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(60000) });
    return { status: res.status, body: await res.text() };
  };
  const calls = async (start: number, end: number): Promise<number> => {
    const res = await fetch(`${url}/usage?customer_id=${CUSTOMER}&meter_id=mtr_api_calls&start=${new Date(start).toISOString()}&end=${new Date(end).toISOString()}`, { headers });
    if (res.status !== 200) throw new Error(`GET /usage answered ${res.status}: ${await res.text()}`);
    return Number(((await res.json()) as { total: string }).total); // a count: an exact integer
  };
  const phases: Phase[] = [];
  const voidMs: number[] = [];
  const whole = { start: Date.now() - 35 * DAY, end: Date.now() + DAY };
  let resendMoved = 0;
  try {
    await standalone.ready(180000);
    const run = async (name: string, route: string, timeOf: (n: number) => number, idPrefix: string, expectTotal: number) => {
      const batches = Math.ceil(args.events / args.batch);
      let next = 0;
      const cpu0 = processCpuSeconds(child.pid!) ?? 0;
      const started = Date.now();
      const client = async () => {
        for (let b = next++; b < batches; b = next++) {
          const events = Array.from({ length: Math.min(args.batch, args.events - b * args.batch) }, (_, i) => {
            const n = b * args.batch + i;
            return { event_id: `${idPrefix}-${n}`, customer_id: CUSTOMER, event_name: 'api_request', timestamp: new Date(timeOf(n)).toISOString(), metadata: { user_id: `u${n % 100}` } };
          });
          for (;;) {
            const res = await post(route, { events });
            if (res.status === 200) break;
            if (res.status < 500) throw new Error(`${route} answered ${res.status}: ${res.body.slice(0, 500)}`);
            await report.sleep(50);
          }
        }
      };
      await Promise.all(Array.from({ length: args.clients }, client));
      const acknowledged = Date.now();
      for (const deadline = Date.now() + 600000; (await calls(whole.start, whole.end)) !== expectTotal; await report.sleep(100)) {
        if (Date.now() > deadline) throw new Error(`${name}: usage never reached ${expectTotal}; log: ${logFile}`);
      }
      const visible = Date.now();
      const phase = { name, events: args.events, acknowledgedMs: acknowledged - started, visibleMs: visible - started, cpuSeconds: (processCpuSeconds(child.pid!) ?? 0) - cpu0, load1: load1() };
      phases.push(phase);
      console.log(`${name}: ${args.events} events acknowledged in ${phase.acknowledgedMs} ms, visible in ${phase.visibleMs} ms`);
    };
    const now = Date.now();
    await run('ingest (baseline)', '/events/ingest', () => now - 60_000, 'live', args.events);
    // Spread over 1 to 34 days ago, whole minutes apart per 100 events.
    const backfillTime = (n: number) => now - DAY - ((n * 7919) % (33 * DAY));
    await run('backfill', '/events/backfill', backfillTime, 'old', 2 * args.events);
    // The first batch again: every event a repeat.
    const again = Array.from({ length: Math.min(args.batch, args.events) }, (_, n) => ({ event_id: `old-${n}`, customer_id: CUSTOMER, event_name: 'api_request', timestamp: new Date(backfillTime(n)).toISOString(), metadata: { user_id: `u${n % 100}` } }));
    const resent = await post('/events/backfill', { events: again });
    if (resent.status !== 200) throw new Error(`resent batch answered ${resent.status}: ${resent.body}`);
    await report.sleep(3000);
    resendMoved = (await calls(whole.start, whole.end)) - 2 * args.events;
    if (resendMoved !== 0) throw new Error(`the resent backfill batch moved the total by ${resendMoved}`);
    for (let v = 0; v < args.voids; v++) {
      const n = Math.floor((v * args.events) / args.voids);
      const at = backfillTime(n);
      const minute = { start: Math.floor(at / 60000) * 60000, end: Math.floor(at / 60000) * 60000 + 60000 };
      const before = await calls(minute.start, minute.end);
      const res = await post(`/events/old-${n}/void`, { customer_id: CUSTOMER, correction_id: `void-bench-${v}` });
      if (res.status !== 200) throw new Error(`void answered ${res.status}: ${res.body}`);
      const voided = Date.now();
      for (const deadline = voided + 60000; (await calls(minute.start, minute.end)) !== before - 1; await report.sleep(20)) {
        if (Date.now() > deadline) throw new Error(`void ${v}: usage of its minute never dropped from ${before}; log: ${logFile}`);
      }
      voidMs.push(Date.now() - voided);
    }
    console.log(`voids: ${voidMs.length}, ms to corrected usage: ${voidMs.join(', ')}`);
  } finally {
    await standalone.kill('SIGTERM');
  }
  const perSecond = (p: Phase, ms: number) => report.fmt(Math.round((p.events * 1000) / ms));
  const voids = report.summary(voidMs);
  const section = [
    `Measured ${report.isoSeconds(new Date())} on ${report.machine()}, code ${report.codeVersion()}: the standalone process, demo catalog (an event \`api_request\` counts in two meters, \`mtr_api_calls\` and \`mtr_active_users\`), ${report.fmt(args.events)} events per phase in batches of ${args.batch} from ${args.clients} clients.`,
    `Load: \`${report.uptimeLine()}\``,
    '',
    '| phase | events | acknowledged (events/s) | visible in `GET /usage` (events/s) | process CPU (µs per event) | load (1 min) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...phases.map((p) => `| ${p.name} | ${report.fmt(p.events)} | ${perSecond(p, p.acknowledgedMs)} | ${perSecond(p, p.visibleMs)} | ${report.fmt(Math.round((p.cpuSeconds * 1e6) / p.events))} | ${report.fmt(p.load1, 2)} |`),
    '',
    `Backfilled events lie 1 to 34 days back; each is older than the router's window, so each meter looks the flush's events up in its stored records (docs/exactly-once.md, "Backfill"). The first batch sent again moved the total by ${resendMoved}.`,
    '',
    `From a void's 200 to corrected usage (GET /usage of the event's minute, polled every 20 ms), ${voidMs.length} voids one after the other: p50 ${report.fmt(voids.p50)} ms, p99 ${report.fmt(voids.p99)} ms, max ${report.fmt(voids.max)} ms. The path: gateway → events → router (remove records) → aggregator flush (AGGREGATOR_FLUSH_INTERVAL_MS, 500 ms) → the window read from meter_records.`,
  ].join('\n');
  if (args.write) {
    report.writeDocSection('bench-corrections', 'Backfill and corrections', 'Reproduce: `node scripts/bench-corrections.js` (`--help` lists the options).', section);
    console.log(`bench-corrections: wrote the bench-corrections section of ${report.DOC}`);
  } else console.log(section);
  fs.rmSync(dir, { recursive: true, force: true });
}

report.runMain('bench-corrections', main, true);
