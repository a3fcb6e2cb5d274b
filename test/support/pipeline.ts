import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger, loadConfig, type MeterstreamConfig } from '@meterstream/common';
import { startStandalone, type Standalone, type StandaloneOptions } from '@meterstream/standalone';

export const REPO_ROOT = path.resolve(__dirname, '../..');

/** A fresh token for ADMIN_API_KEY (what `generateToken` makes: msk_ and 32 random bytes). */
export function newAdminKey(): string {
  return `msk_${randomBytes(32).toString('base64url')}`;
}

/**
 * A configuration of our own: unique topic prefix, fresh embedded data directory, any free port, a
 * fresh ADMIN_API_KEY (config.auth.bootstrapAdminKey).
 */
export function testConfig(name: string, env: Record<string, string> = {}): MeterstreamConfig {
  const prefix = `t${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}.${name}.`;
  return loadConfig({
    ...process.env,
    TOPIC_PREFIX: prefix,
    CLICKHOUSE_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), `meterstream-${name}-`)),
    // On a ClickHouse server (CLICKHOUSE_URL), a database of this test's own.
    CLICKHOUSE_DATABASE: process.env.CLICKHOUSE_URL ? prefix.replace(/[^A-Za-z0-9_]/g, '_') : (process.env.CLICKHOUSE_DATABASE ?? 'default'),
    GATEWAY_PORT: '0',
    AGGREGATOR_FLUSH_INTERVAL_MS: '200',
    CATALOG_FILE: path.join(REPO_ROOT, 'scripts', 'demo-catalog.json'),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    ADMIN_API_KEY: newAdminKey(),
    ...env,
  });
}

/** The standalone pipeline on a testConfig; `adminKey` is its ADMIN_API_KEY (admin scope). */
export async function startTestPipeline(
  name: string,
  env: Record<string, string> = {},
  options: StandaloneOptions = {},
): Promise<Standalone & { config: MeterstreamConfig; adminKey: string }> {
  const config = testConfig(name, env);
  const app = await startStandalone(config, createLogger(config.logLevel, `test-${name}`), options);
  return {
    ...app,
    config,
    adminKey: config.auth.bootstrapAdminKey!,
    stop: async () => {
      await app.stop();
      if (!config.clickhouse.url) fs.rmSync(config.clickhouse.dataDir, { recursive: true, force: true });
    },
  };
}

/** Headers sending `key` as a bearer token; none without a key. */
export function authHeader(key: string | undefined): Record<string, string> {
  return key === undefined ? {} : { authorization: `Bearer ${key}` };
}

export async function postJson(url: string, body: unknown, key?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...authHeader(key) }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

export async function getJson(url: string, key?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { headers: authHeader(key) });
  return { status: res.status, body: await res.json() };
}

/**
 * Polls `probe` every `pollMs` until it returns a value other than undefined, or fails after
 * `timeoutMs` (with the last error the probe threw, if any). `stop` makes it give up at once, e.g.
 * while a suite is being torn down.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60000,
  what = 'condition',
  pollMs = 200,
  stop?: () => boolean,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    if (stop?.()) throw new Error(`gave up waiting for ${what}: stopped`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Resolves once consumer group `groupId` has committed every record now in `topic`. */
export async function groupCaughtUp(config: MeterstreamConfig, groupId: string, topic: string, timeoutMs = 60000): Promise<void> {
  const { Kafka, logLevel } = await import('kafkajs');
  const admin = new Kafka({ clientId: 'test-admin', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    await eventually(async () => {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const behind = ends.filter((end) => {
        const c = committed.partitions.find((p) => p.partition === end.partition);
        return BigInt(end.high) > 0n && (!c || BigInt(c.offset) < BigInt(end.high));
      });
      return behind.length === 0 ? true : undefined;
    }, timeoutMs, `${groupId} to catch up on ${topic}`);
  } finally {
    await admin.disconnect();
  }
}

/**
 * POST /billing/run, then (on 202: the run takes longer than the route waits) GET /billing/runs/{id}
 * until it has finished: the run as the route reports it, `invoices` once completed.
 */
export async function runBilling(url: string, key: string, timeoutMs = 120000): Promise<{ status: number; body: any }> {
  const posted = await postJson(`${url}/billing/run`, {}, key);
  if (posted.status !== 202) return posted;
  const finished = await eventually(
    async () => {
      const run = await getJson(`${url}/billing/runs/${posted.body.run_id}`, key);
      return run.body.status === 'completed' || run.body.status === 'failed' ? run : undefined;
    },
    timeoutMs,
    `billing run ${posted.body.run_id}`,
    100,
  );
  return finished;
}
