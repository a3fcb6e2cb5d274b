// Small helpers shared by the benchmark scripts (bench-freshness, bench-ingest, bench-query,
// bench-router, load-usage): percentiles, number formatting, the machine's load, the code version, a
// free port, loading the build, and rewriting one section of docs/benchmarks.md between its markers.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const DOC = path.join(ROOT, 'docs', 'benchmarks.md');
const MiB = 1024 * 1024;

/** Nearest-rank percentile (p in 0..100) of a list of numbers; NaN for an empty list. */
function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

function summary(values) {
  return {
    count: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.length ? Math.max(...values) : NaN,
    mean: values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN,
  };
}

const fmt = (n, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-';

function bytes(n) {
  if (!Number.isFinite(n)) return '-';
  if (n >= 1024 * MiB) return `${fmt(n / (1024 * MiB), 2)} GiB`;
  if (n >= MiB) return `${fmt(n / MiB, 1)} MiB`;
  return `${fmt(n / 1024, 1)} KiB`;
}

/** `uptime`'s line (load averages), or os.loadavg() when the command is missing. */
function uptimeLine() {
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
function codeVersion() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).trim().length > 0;
    return `\`${head}\`${dirty ? ' + local changes' : ''}`;
  } catch {
    return 'unknown';
  }
}

function machine() {
  const mem = os.totalmem() / (1024 * MiB);
  return `${os.cpus().length} cores (${os.cpus()[0]?.model?.trim() ?? 'unknown CPU'}), ${fmt(mem, 0)} GiB RAM, ${os.platform()} ${os.release()}`;
}

const isoSeconds = (d) => d.toISOString().replace(/\.\d+Z$/, 'Z');

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
function writeDocSection(name, heading, intro, section) {
  const startMark = `<!-- ${name}:start -->`;
  const endMark = `<!-- ${name}:end -->`;
  const block = `${startMark}\n${section.trim()}\n${endMark}`;
  const fresh = `## ${heading}\n\n${intro.trim()}\n\n${block}\n`;
  // Read just before writing: other sections of the file are edited concurrently by other scripts.
  const current = fs.existsSync(DOC) ? fs.readFileSync(DOC, 'utf8') : undefined;
  let next;
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

/** The built services/common (services/common/dist), or exit with a hint to build. */
function requireBuilt(rel, script) {
  const dir = path.join(ROOT, rel);
  if (!fs.existsSync(path.join(dir, 'index.js'))) {
    console.error(`${script}: ${rel}/index.js is missing; build first: node_modules/.bin/tsc -b`);
    process.exit(1);
  }
  return require(dir);
}

/** A TCP port free on 127.0.0.1 at the time of asking. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Bytes used under a directory (like `du -sb`). */
function directoryBytes(dir) {
  let total = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop();
    let entries;
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
function freeBytes(dir) {
  const stats = fs.statfsSync(dir);
  return stats.bavail * stats.bsize;
}

module.exports = {
  ROOT,
  DOC,
  MiB,
  percentile,
  summary,
  fmt,
  bytes,
  uptimeLine,
  codeVersion,
  machine,
  isoSeconds,
  writeDocSection,
  requireBuilt,
  freePort,
  directoryBytes,
  freeBytes,
};
