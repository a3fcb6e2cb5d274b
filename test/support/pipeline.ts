import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger, loadConfig, type MeterstreamConfig } from '@meterstream/common';
import { startStandalone, type Standalone } from '@meterstream/standalone';

export const REPO_ROOT = path.resolve(__dirname, '../..');

/** A configuration of our own: unique topic prefix, fresh embedded data directory, any free port. */
export function testConfig(name: string, env: Record<string, string> = {}): MeterstreamConfig {
  const prefix = `t${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}.${name}.`;
  return loadConfig({
    ...process.env,
    TOPIC_PREFIX: prefix,
    CLICKHOUSE_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), `meterstream-${name}-`)),
    GATEWAY_PORT: '0',
    AGGREGATOR_FLUSH_INTERVAL_MS: '200',
    CATALOG_FILE: path.join(REPO_ROOT, 'scripts', 'demo-catalog.json'),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    ...env,
  });
}

export async function startTestPipeline(name: string, env: Record<string, string> = {}): Promise<Standalone & { config: MeterstreamConfig }> {
  const config = testConfig(name, env);
  const app = await startStandalone(config, createLogger(config.logLevel, `test-${name}`));
  return {
    ...app,
    config,
    stop: async () => {
      await app.stop();
      if (!config.clickhouse.url) fs.rmSync(config.clickhouse.dataDir, { recursive: true, force: true });
    },
  };
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 60000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
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
