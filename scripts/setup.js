// Makes a fresh clone runnable: installs dependencies when they are missing or stale, builds
// the TypeScript workspaces, and starts the local stack (Kafka + schema registry) unless the
// environment names one. Uses only Node built-ins, so it runs before anything is installed.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

/**
 * V8 flags of a gateway process of its own (distributed mode; docker compose sets them through
 * NODE_OPTIONS). Its request path allocates many short-lived objects (parsed JSON, events, Avro
 * buffers): 64 MiB semi-spaces for the young generation (V8's default is 16 MiB) mean fewer
 * scavenges, and the gateway alone took 57,050 instead of 47,450 events/s in scripts/bench-ingest.js
 * (1000 × 4, same machine, same hour). Not for the standalone process: there the longer scavenges
 * delayed routing and flushing, and freshness at 5,000 events/s went from p99 1.1 s to 2.5 s
 * (scripts/bench-freshness.js, one run each).
 */
const GATEWAY_NODE_FLAGS = ['--max-semi-space-size=64'];

function run(cmd, args, opts = {}) {
  execFileSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], ...opts });
}

function dependenciesInstalled() {
  const installed = path.join(ROOT, 'node_modules', '.package-lock.json');
  const lock = path.join(ROOT, 'package-lock.json');
  return fs.existsSync(installed) && fs.statSync(installed).mtimeMs >= fs.statSync(lock).mtimeMs;
}

function ensureDependencies() {
  if (dependenciesInstalled()) return;
  // `npm install` from the committed lockfile rather than `npm ci`: the lockfile cannot list every
  // platform's optional native package (chdb ships one per platform), which `npm ci` insists on.
  console.log('[setup] installing dependencies (npm install, from package-lock.json)');
  run('npm', ['install', '--no-audit', '--no-fund']);
}

function build() {
  console.log('[setup] building (tsc -b)');
  run(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['-b']);
  require('./check-layers').checkLayers();
}

/** Starts the native stack unless KAFKA_BROKERS and SCHEMA_REGISTRY_URL point at one. */
function ensureStack() {
  if (process.env.KAFKA_BROKERS && process.env.SCHEMA_REGISTRY_URL) return;
  run('bash', [path.join(ROOT, 'infra', 'stack.sh'), 'up'], { stdio: ['ignore', 'ignore', 'inherit'] });
  process.env.KAFKA_BROKERS = `127.0.0.1:${process.env.KAFKA_PORT || 9092}`;
  process.env.SCHEMA_REGISTRY_URL = `http://127.0.0.1:${process.env.REGISTRY_PORT || 8081}/apis/ccompat/v7`;
}

module.exports = { ROOT, GATEWAY_NODE_FLAGS, ensureDependencies, build, ensureStack, run };
