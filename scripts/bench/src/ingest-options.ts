// bench-ingest's options (listed at the top of bench-ingest.ts) and what can serve the requests.
import path from 'node:path';
import { GATEWAY_NODE_FLAGS } from './gateway-flags';

export interface Mode {
  /** The composition root, relative to the repository root. */
  main: string;
  label: string;
  /** Whether the process consumes what it ingests (the router and the aggregator run in it). */
  consumes: boolean;
  nodeFlags: readonly string[];
}

/** What serves POST /events/ingest in a phase. */
export const MODES = {
  standalone: { main: 'services/standalone/dist/main.js', label: 'standalone (4 services, 1 process)', consumes: true, nodeFlags: [] },
  // Started as the README says a gateway of its own is started.
  gateway: { main: 'services/gateway/dist/main.js', label: 'gateway alone', consumes: false, nodeFlags: GATEWAY_NODE_FLAGS },
} satisfies Record<string, Mode>;

export type ModeName = keyof typeof MODES;

const isMode = (m: string): m is ModeName => Object.hasOwn(MODES, m);

export interface IngestArgs {
  /** [batch, connections] per scenario. */
  scenarios: [number, number][];
  warmupS: number;
  durationS: number;
  settleS: number;
  perfRecords: number;
  producerWarmupS: number;
  producerDurationS: number;
  producerBatch: number;
  producerConcurrency: number;
  gateway: boolean;
  modes: ModeName[];
  producers: boolean;
  profile: string | undefined;
  keepTopics: boolean;
  write: boolean;
}

export function parseArgs(argv: readonly string[], onHelp: () => never): IngestArgs {
  const args: IngestArgs = {
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
  const num = (name: string, value: string, min = 0): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min) throw new Error(`${name}: expected a number >= ${min}, got "${value}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
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
      case '--modes': {
        const modes = value()
          .split(',')
          .map((m) => m.trim())
          .filter(Boolean);
        args.modes = modes.map((m) => {
          if (!isMode(m)) throw new Error(`--modes: expected standalone and/or gateway, got "${m}"`);
          return m;
        });
        if (args.modes.length === 0) throw new Error('--modes: name at least one');
        break;
      }
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
        return onHelp();
      default:
        throw new Error(`unknown option ${a} (--help lists them)`);
    }
  }
  if (!args.gateway && !args.producers) throw new Error('--skip-gateway and --skip-producers leave nothing to run');
  return args;
}
