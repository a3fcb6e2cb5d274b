// `node scripts/bench-recovery.js [options]`
//
//   --kills N        SIGKILLs (default 5)
//   --clients N      concurrent ingest clients (default 4)
//   --load-ms N      ingest load before each kill (default 3000)
//   --no-write       print the section without writing docs/benchmarks.md
//
// Recovery after a crash: runs the standalone process (services/standalone/dist/main.js, all four
// services, embedded ClickHouse) on its own topics and data directory, with N clients ingesting
// batches of 25 events (each batch resent until accepted); kills the process with SIGKILL, starts it
// again at once, and measures from the kill to the next accepted ingest, and to GET /readyz 200 (the
// consumer groups have joined: up to their 10 s session timeout after a kill). Repeats N times; at
// the end every event sent must be counted exactly once (GET /usage of a count meter). Rewrites the
// "bench-recovery" section of docs/benchmarks.md with each kill's figures and the load averages.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as report from './report';
import { standaloneChild } from './standalone-child';

interface Args {
  kills: number;
  clients: number;
  loadMs: number;
  write: boolean;
}

const BATCH = 25;

function parseArgs(argv: string[]): Args {
  const args: Args = { kills: 5, clients: 4, loadMs: 3000, write: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return Number(v);
    };
    if (a === '--kills') args.kills = value();
    else if (a === '--clients') args.clients = value();
    else if (a === '--load-ms') args.loadMs = value();
    else if (a === '--no-write') args.write = false;
    else if (a === '--help' || a === '-h') report.printUsage(__filename);
    else throw new Error(`unknown option ${a} (--help lists them)`);
  }
  for (const [name, n] of [['--kills', args.kills], ['--clients', args.clients], ['--load-ms', args.loadMs]] as const) {
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  }
  return args;
}

interface Kill {
  acceptedMs: number;
  readyMs: number;
  load1: number;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meterstream-bench-recovery-'));
  const standalone = await standaloneChild('benchrec', dir, path.join(report.ROOT, 'scripts', 'demo-catalog.json'));
  const { url, key, logFile } = standalone;
  const start = () => standalone.start();
  const kill = (signal: NodeJS.Signals) => standalone.kill(signal);
  const ready = (timeoutMs: number) => standalone.ready(timeoutMs);
  const started = Date.now();
  let sent = 0;
  let running = true;
  const accepted: number[] = [];
  const client = async (c: number) => {
    for (let b = 0; running; b++) {
      const body = JSON.stringify({
        events: Array.from({ length: BATCH }, (_, i) => ({ event_id: `rec-${c}-${b}-${i}`, customer_id: 'cus_recovery', event_name: 'api_request', timestamp: new Date().toISOString(), metadata: { user_id: `u${i % 10}` } })),
      });
      for (;;) {
        const status = await fetch(`${url}/events/ingest`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body, signal: AbortSignal.timeout(10000) }).then(
          (r) => r.status,
          () => 0,
        );
        if (status === 200) break;
        await report.sleep(10);
      }
      accepted.push(Date.now());
      sent += BATCH;
    }
  };
  const kills: Kill[] = [];
  try {
    start();
    await ready(120000);
    const clients = Promise.all(Array.from({ length: args.clients }, (_, c) => client(c)));
    for (let k = 0; k < args.kills; k++) {
      await report.sleep(args.loadMs);
      await kill('SIGKILL');
      const killedAt = Date.now();
      const load1 = report.fmt(os.loadavg()[0], 2);
      start();
      let next: number | undefined;
      while ((next = accepted.find((t) => t > killedAt)) === undefined) {
        if (Date.now() - killedAt > 60000) throw new Error(`no ingest accepted 60 s after kill ${k + 1}; log: ${logFile}`);
        await report.sleep(5);
      }
      const readyAt = await ready(60000);
      kills.push({ acceptedMs: next - killedAt, readyMs: readyAt - killedAt, load1: Number(load1) });
      console.log(`kill ${k + 1}: next accepted ingest after ${next - killedAt} ms, ready after ${readyAt - killedAt} ms (load ${load1})`);
    }
    running = false;
    await clients;
    // Exactly once: every event sent (resent until accepted) is counted once.
    const range = `start=${new Date(started - 60000).toISOString()}&end=${new Date(Date.now() + 60000).toISOString()}`;
    let total = '';
    for (const deadline = Date.now() + 120000; Date.now() < deadline && total !== String(sent); await report.sleep(500)) {
      const res = await fetch(`${url}/usage?customer_id=cus_recovery&meter_id=mtr_api_calls&${range}`, { headers: { authorization: `Bearer ${key}` } });
      total = ((await res.json()) as { total: string }).total;
    }
    if (total !== String(sent)) throw new Error(`counted ${total}, sent ${sent}`);
    console.log(`bench-recovery: ${sent} events sent, ${total} counted`);
  } finally {
    running = false;
    await kill('SIGTERM');
  }
  const accepted_ = report.summary(kills.map((k) => k.acceptedMs));
  const ready_ = report.summary(kills.map((k) => k.readyMs));
  const section = [
    `Measured ${report.isoSeconds(new Date())} on ${report.machine()}, code ${report.codeVersion()}: ${args.kills} SIGKILLs of the standalone process under ${args.clients} ingesting clients (batches of ${BATCH}), ${report.fmt(sent)} events in all, each counted exactly once afterwards.`,
    `Load: \`${report.uptimeLine()}\``,
    '',
    '| kill | next accepted ingest (ms after the kill) | `/readyz` 200 (ms after the kill) | load (1 min) |',
    '| ---: | ---: | ---: | ---: |',
    ...kills.map((k, i) => `| ${i + 1} | ${report.fmt(k.acceptedMs)} | ${report.fmt(k.readyMs)} | ${report.fmt(k.load1, 2)} |`),
    `| median | ${report.fmt(accepted_.p50)} | ${report.fmt(ready_.p50)} | |`,
    '',
    'Ingest needs only the gateway (its producer, the catalog, the warehouse), which listens before the consumer',
    'groups join; the groups join behind it, once the killed process\'s members have timed out (10 s sessions:',
    'kafkajs has no static membership). The old start waited for them first: 10–13 s to the next accepted ingest.',
  ].join('\n');
  if (args.write) {
    report.writeDocSection('bench-recovery', 'Recovery after SIGKILL', 'Reproduce: `node scripts/bench-recovery.js` (`--help` lists the options).', section);
    console.log(`bench-recovery: wrote the bench-recovery section of ${report.DOC}`);
  } else console.log(section);
  fs.rmSync(dir, { recursive: true, force: true });
}

report.runMain('bench-recovery', main, true);
