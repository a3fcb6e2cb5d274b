// bench-freshness's options (listed at the top of bench-freshness.ts) and constants.
import path from 'node:path';

/** The meter the probes and sweeps read back. */
export const METER = 'mtr_api_calls';
/** The poller asks GET /usage at most this often. */
export const POLL_MIN_MS = 50;
/** A sweep of the load customers' usage at most this often. */
export const SWEEP_MS = 5000;

export interface FreshnessArgs {
  rates: number[];
  duration: number;
  batch: number;
  clients: number;
  customers: number;
  probeInterval: number;
  flushMs: number;
  drainTimeout: number;
  keep: boolean;
  profile: string | undefined;
  write: boolean;
}

type NumericOption = 'duration' | 'batch' | 'clients' | 'customers' | 'probeInterval' | 'flushMs' | 'drainTimeout';

const NUMERIC: Record<string, NumericOption> = {
  '--duration': 'duration',
  '--batch': 'batch',
  '--clients': 'clients',
  '--customers': 'customers',
  '--probe-interval': 'probeInterval',
  '--flush-ms': 'flushMs',
  '--drain-timeout': 'drainTimeout',
};

export function parseArgs(argv: readonly string[], onHelp: () => never): FreshnessArgs {
  const args: FreshnessArgs = {
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
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const numeric = Object.hasOwn(NUMERIC, a) ? NUMERIC[a] : undefined;
    if (a === '--rate') {
      args.rates = String(argv[++i] ?? '')
        .split(',')
        .map(Number);
      if (args.rates.some((r) => !Number.isFinite(r) || r <= 0)) throw new Error('--rate must be positive numbers, comma-separated');
    } else if (numeric) {
      const n = Number(argv[++i]);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${a} must be a positive number`);
      args[numeric] = n;
    } else if (a === '--keep') args.keep = true;
    else if (a === '--profile') args.profile = path.resolve(argv[++i] ?? '.');
    else if (a === '--no-write') args.write = false;
    else if (a === '--help' || a === '-h') onHelp();
    else throw new Error(`unknown option ${a} (--help lists them)`);
  }
  if (!Number.isInteger(args.batch) || args.batch > 1000) throw new Error('--batch must be an integer from 1 to 1000');
  return args;
}
