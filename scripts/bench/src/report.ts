// Small helpers shared by the benchmark scripts (bench-freshness, bench-ingest, bench-query,
// bench-router, load-usage): percentiles, number formatting, the machine's load, the code version, a
// free port, the usage text of a script, and rewriting one section of docs/benchmarks.md between its
// markers.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** The repository's root (this file runs from scripts/bench/dist). */
export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const DOC = path.join(ROOT, 'docs', 'benchmarks.md');
export const MiB = 1024 * 1024;

/** Nearest-rank percentile (p in 0..100) of a list of numbers; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export interface Summary {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export function summary(values: readonly number[]): Summary {
  return {
    count: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.length ? Math.max(...values) : NaN,
    mean: values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN,
  };
}

export const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-';

export function bytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  if (n >= 1024 * MiB) return `${fmt(n / (1024 * MiB), 2)} GiB`;
  if (n >= MiB) return `${fmt(n / MiB, 1)} MiB`;
  return `${fmt(n / 1024, 1)} KiB`;
}

/** `uptime`'s line (load averages), or os.loadavg() when the command is missing. */
export function uptimeLine(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim().replace(/\s+/g, ' ');
  } catch {
    return `load average: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}`;
  }
}

/** The commit the code was built from, with "+ local changes" when the work tree differs. */
export function codeVersion(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).trim().length > 0;
    return `\`${head}\`${dirty ? ' + local changes' : ''}`;
  } catch {
    return 'unknown';
  }
}

export function machine(): string {
  const mem = os.totalmem() / (1024 * MiB);
  return `${os.cpus().length} cores (${os.cpus()[0]?.model?.trim() ?? 'unknown CPU'}), ${fmt(mem, 0)} GiB RAM, ${os.platform()} ${os.release()}`;
}

export const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d+Z$/, 'Z');

const INTRO = `# Benchmarks

Figures measured on the development machine: 2 cores, 24 GiB of RAM, Linux, with the local native stack
(\`bash infra/stack.sh up\`: a single-node Apache Kafka 3.9.1 in KRaft mode and Apicurio Registry 3.0.9 on
loopback, no Docker) on the same machine as the code measured. Other work may share the machine, so each
section records the load average. To reproduce: \`npx tsc -b\`, \`bash infra/stack.sh up\`, then the command
given in each section. Each section is rewritten by its script between its markers; edit outside them.
`;

/**
 * Replaces the text between `<!-- name:start -->` and `<!-- name:end -->` in docs/benchmarks.md;
 * appends `## heading`, `intro` and the marked block when the markers are missing, and creates the
 * file with a short introduction when it is missing. Nothing outside the markers changes.
 */
export function writeDocSection(name: string, heading: string, intro: string, section: string): string {
  const startMark = `<!-- ${name}:start -->`;
  const endMark = `<!-- ${name}:end -->`;
  const block = `${startMark}\n${section.trim()}\n${endMark}`;
  const fresh = `## ${heading}\n\n${intro.trim()}\n\n${block}\n`;
  // Read just before writing: other sections of the file are edited concurrently by other scripts.
  const current = fs.existsSync(DOC) ? fs.readFileSync(DOC, 'utf8') : undefined;
  let next: string;
  if (current === undefined) next = `${INTRO}\n${fresh}`;
  else {
    const start = current.indexOf(startMark);
    const end = current.indexOf(endMark);
    if (start >= 0 && end > start) next = current.slice(0, start) + block + current.slice(end + endMark.length);
    else next = `${current.replace(/\n*$/, '\n')}\n${fresh}`;
  }
  fs.mkdirSync(path.dirname(DOC), { recursive: true });
  const tmp = `${DOC}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, next);
  fs.renameSync(tmp, DOC);
  return DOC;
}

/**
 * Prints a script's usage, the comment block at the top of its source (scripts/bench/src/<name>.ts,
 * `//` lines), and exits. `compiledFile` is the script's `__filename` (scripts/bench/dist/<name>.js).
 */
export function printUsage(compiledFile: string): never {
  const source = path.join(path.dirname(compiledFile), '..', 'src', path.basename(compiledFile).replace(/\.js$/, '.ts'));
  const lines = fs.readFileSync(fs.existsSync(source) ? source : compiledFile, 'utf8').split('\n');
  const first = lines.findIndex((l) => l.startsWith('//'));
  const block: string[] = [];
  for (const line of first < 0 ? [] : lines.slice(first)) {
    if (!line.startsWith('//')) break;
    block.push(line.replace(/^\/\/ ?/, ''));
  }
  console.log(block.join('\n'));
  process.exit(0);
}

/** The installed version of a package (from the root node_modules), or `fallback`. */
export function packageVersion(name: string, fallback = '?'): string {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version?: string };
    return manifest.version ?? fallback;
  } catch {
    return fallback;
  }
}

/** A TCP port free on 127.0.0.1 at the time of asking. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Bytes used under a directory (like `du -sb`). */
export function directoryBytes(dir: string): number {
  let total = 0;
  const stack = [dir];
  for (let current = stack.pop(); current !== undefined; current = stack.pop()) {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(current, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else if (entry.isFile()) {
        try {
          total += fs.statSync(full).size;
        } catch {
          // removed meanwhile (a merged part)
        }
      }
    }
  }
  return total;
}

/** Free bytes on the file system holding `dir` (statfs). */
export function freeBytes(dir: string): number {
  const stats = fs.statfsSync(dir);
  return stats.bavail * stats.bsize;
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The message of a thrown value. */
export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Runs a script's main, printing a failure with the script's name and exiting 1. */
export function runMain(name: string, main: () => Promise<void>, exitOnSuccess = false): void {
  main().then(
    () => {
      if (exitOnSuccess) process.exit(0);
    },
    (err: unknown) => {
      console.error(`${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    },
  );
}
