// bench-freshness's pipeline: the standalone process as a child with a topic prefix, data directory and
// admin key of its own, its log in a file; its memory and CPU from /proc; the warnings it logged.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FreshnessArgs } from './freshness-options';
import { GatewayClient } from './gateway-client';
import * as report from './report';

const MAIN = path.join(report.ROOT, 'services', 'standalone', 'dist', 'main.js');
const CATALOG = path.join(report.ROOT, 'scripts', 'demo-catalog.json');

export const log = (...parts: string[]): void => console.log(`[bench-freshness] ${parts.join(' ')}`);

export interface ProcessStats {
  /** VmRSS, bytes. */
  rss: number;
  /** CPU time, user + system, seconds. */
  cpu: number;
}

/** The child's resident set (VmRSS, bytes) and CPU time (user + system, seconds). */
export function childStats(pid: number): ProcessStats | undefined {
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

export interface StandaloneProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  gateway: GatewayClient;
  dataDir: string;
  logFile: string;
  port: number;
  adminKey: string;
  prefix: string;
  /** Milliseconds until /healthz answered. */
  startMs: number;
}

function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export async function startPipeline(args: FreshnessArgs, runId: string): Promise<StandaloneProcess> {
  if (!fs.existsSync(MAIN)) throw new Error(`${path.relative(process.cwd(), MAIN)} is missing: build first (node_modules/.bin/tsc -b)`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'meterstream-bench-freshness-'));
  const port = await report.freePort();
  const adminKey = `msk_${crypto.randomBytes(20).toString('hex')}`;
  const prefix = `${runId}.`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TOPIC_PREFIX: prefix,
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
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const gateway = new GatewayClient(port, adminKey, args.clients + 4);
  const t0 = performance.now();
  let ready = false;
  while (!ready) {
    const early = await Promise.race([exited, report.sleep(250).then(() => undefined)]);
    if (early) throw new Error(`the pipeline exited at start (${JSON.stringify(early)}); log: ${logFile}\n${tail(logFile)}`);
    try {
      ready = (await gateway.request('GET', '/healthz')).status === 200;
    } catch {
      // not listening yet
    }
    if (performance.now() - t0 > 120000) throw new Error(`the pipeline did not answer /healthz within 120 s; log: ${logFile}`);
  }
  return { child, exited, gateway, dataDir, logFile, port, adminKey, prefix, startMs: performance.now() - t0 };
}

export async function stopPipeline(p: StandaloneProcess): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) {
    p.child.kill('SIGTERM');
    const done = await Promise.race([p.exited, report.sleep(30000).then(() => undefined)]);
    if (!done) {
      log('the pipeline did not stop within 30 s of SIGTERM; killing it');
      p.child.kill('SIGKILL');
      await p.exited;
    }
  }
  p.gateway.close();
}

export interface LogLines {
  warn: number;
  error: number;
  /** Up to 4 distinct messages of warnings and errors. */
  samples: string[];
}

/** Warnings and errors in the pipeline's log (pino JSON lines; a line that is not JSON counts as an error). */
export function countLogLines(file: string): LogLines {
  const counts: LogLines = { warn: 0, error: 0, samples: [] };
  try {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      let level: number;
      let msg: unknown = line;
      try {
        const parsed = JSON.parse(line) as { level: number; msg?: unknown };
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
