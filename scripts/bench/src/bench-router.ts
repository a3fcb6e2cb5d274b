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
//   --no-peer                skip the Kafka Streams peer (and the Maven build of its jar)
//   --peer-threads N         the peer's num.stream.threads (default 1, Kafka Streams' default)
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
//  2. a child process (router-child.ts) runs connectPlatform and a MeterRouter, like
//     services/meter-router/src/main.ts; the clock starts just before router.start() and stops when the
//     router's group has committed the events topic's high watermark on every partition (polled every
//     100 ms from here, so the poll costs the router nothing);
//  3. the child reports its RSS and heap, then stops; a read_committed consumer here counts the meter
//     topics' records (the measured fan-out);
//  4. unless --no-peer, the Kafka Streams peer (scripts/bench/kstreams-router, Java, exactly_once_v2; its jar
//     is built by Maven before the first scenario when missing or stale) routes the same events to meter
//     topics of its own, measured the same way (its application id's group), and its output is counted
//     read_committed and compared with the router's, meter by meter (peer-scenario.ts, kstreams-peer.ts);
//  5. the scenario's topics, groups and schema subjects are deleted.
import path from 'node:path';
import { createLogger } from '@meterstream/common';
import { ensurePeerJar } from './kstreams-peer';
import * as report from './report';
import { codeVersion, renderSection, uptimeLine } from './router-report';
import { runScenario, type FailedScenario, type RouterArgs, type ScenarioResult } from './router-scenario';

function parseArgs(argv: readonly string[]): RouterArgs {
  let events: number | undefined;
  let specs: { meters: number; events: number | undefined }[] = [1, 10, 100].map((meters) => ({ meters, events: undefined }));
  const args: RouterArgs = { events: 200_000, meters: [], customers: 1000, batch: 1000, count: true, keepTopics: false, write: true, timeoutMin: 30, stallMin: 10, maxMessageBytes: undefined, peer: true, peerThreads: 1 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    const positive = (v: string, name: string): number => {
      if (!/^\d+$/.test(v) || Number(v) < 1) throw new Error(`${name} expects a positive whole number, got "${v}"`);
      return Number(v);
    };
    if (arg === '--events') events = positive(value(), arg);
    else if (arg === '--meters') {
      specs = value()
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
    else if (arg === '--peer-threads') args.peerThreads = positive(value(), arg);
    else if (arg === '--no-peer') args.peer = false;
    else if (arg === '--no-count') args.count = false;
    else if (arg === '--keep-topics') args.keepTopics = true;
    else if (arg === '--no-write') args.write = false;
    else if (arg === '--help' || arg === '-h') report.printUsage(__filename);
    else throw new Error(`unknown argument ${arg} (see --help)`);
  }
  if (events !== undefined) args.events = events;
  args.meters = specs.map((spec) => ({ meters: spec.meters, events: spec.events ?? args.events }));
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const logger = createLogger(process.env.LOG_LEVEL || 'warn', 'bench-router');
  const started = new Date();
  const runId = `benchrouter${Date.now().toString(36)}`;
  const uptimes = [uptimeLine()];
  const version = codeVersion();
  console.log(`[bench-router] ${uptimes[0]}`);
  if (args.peer) ensurePeerJar((message) => console.log(`[bench-router] ${message}`));
  const results: (ScenarioResult | FailedScenario)[] = [];
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

report.runMain('bench-router', main);
