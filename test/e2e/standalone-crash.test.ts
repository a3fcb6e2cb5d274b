import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ChildService } from '../support/child-service';
import { eventually, getJson, newAdminKey, REPO_ROOT, testConfig } from '../support/pipeline';

// Fast recovery: the standalone process is killed with SIGKILL while four clients ingest, and started
// again at once. The test measures and prints the time to the first request accepted after the kill
// (the gateway no longer waits for the consumer groups, which need up to their 10 s session timeout to
// drop the killed process's members; the old start answered after 10-13 s); the figure over several
// kills is scripts/bench-recovery.js's, in docs/benchmarks.md: no assertion here rests on wall time.
// Clients resend a batch until it is accepted, so afterwards every event sent is counted exactly once.
const CLIENTS = 4;
const BATCH = 25;
const LOAD_BEFORE_KILL_MS = 3000;
const LOAD_AFTER_RECOVERY_MS = 2000;

describe('standalone SIGKILL under ingest load', () => {
  const config = testConfig('standalone-crash');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meterstream-standalone-crash-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const url = `http://127.0.0.1:${port}`;
  const adminKey = newAdminKey();
  let standalone: ChildService;

  beforeAll(() => {
    execFileSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), ['-b'], { cwd: REPO_ROOT });
    standalone = new ChildService(
      'standalone',
      {
        KAFKA_BROKERS: config.kafka.brokers.join(','),
        SCHEMA_REGISTRY_URL: config.registryUrl,
        TOPIC_PREFIX: config.kafka.topicPrefix,
        CATALOG_FILE: path.join(REPO_ROOT, 'scripts', 'demo-catalog.json'),
        CLICKHOUSE_DATA_DIR: path.join(dir, 'clickhouse'),
        GATEWAY_PORT: String(port),
        ADMIN_API_KEY: adminKey,
        AGGREGATOR_FLUSH_INTERVAL_MS: '200',
        LOG_LEVEL: 'info',
      },
      path.join(dir, 'standalone.log'),
    );
  });
  afterAll(async () => {
    await standalone?.kill();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(config.clickhouse.dataDir, { recursive: true, force: true });
  });

  it('accepts ingest again within seconds and counts every event once', async () => {
    const started = Date.now();
    standalone.start();
    await eventually(async () => ((await getJson(`${url}/readyz`)).status === 200 ? true : undefined), 90000, 'the first start to be ready', 200);

    // Clients: each sends batches of new events and resends a batch until it is accepted.
    let sent = 0;
    let running = true;
    const accepted: number[] = [];
    const client = async (c: number) => {
      for (let b = 0; running; b++) {
        const events = Array.from({ length: BATCH }, (_, i) => ({
          event_id: `crash-${c}-${b}-${i}`,
          customer_id: 'cus_crash',
          event_name: 'api_request',
          timestamp: new Date().toISOString(),
          metadata: { user_id: `u${i % 3}` },
        }));
        for (;;) {
          const status = await fetch(`${url}/events/ingest`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
            body: JSON.stringify({ events }),
            signal: AbortSignal.timeout(10000),
          }).then(
            (res) => res.status,
            () => 0,
          );
          if (status === 200) {
            accepted.push(Date.now());
            break;
          }
          await new Promise((r) => setTimeout(r, 20));
        }
        sent += BATCH;
      }
    };
    const clients = Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));

    await new Promise((r) => setTimeout(r, LOAD_BEFORE_KILL_MS));
    const acceptedBeforeKill = accepted.length;
    await standalone.kill('SIGKILL');
    const killedAt = Date.now();
    standalone.start();
    const recoveredAt = await eventually(() => accepted.find((t) => t > killedAt), 60000, 'an ingest accepted after the kill', 10);
    const recoveryMs = recoveredAt - killedAt;
    await new Promise((r) => setTimeout(r, LOAD_AFTER_RECOVERY_MS));
    running = false;
    await clients;
    const readyAt = await eventually(async () => ((await getJson(`${url}/readyz`)).status === 200 ? Date.now() : undefined), 60000, 'readiness after the restart', 100);
    console.log(
      `standalone SIGKILL: next accepted ingest ${recoveryMs} ms after the kill, ready (/readyz 200) after ${readyAt - killedAt} ms; ` +
        `${acceptedBeforeKill} batches accepted before the kill, ${sent} events in all; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    );
    expect(acceptedBeforeKill).toBeGreaterThan(0);

    // Every event sent was accepted (resent until it was), and counts exactly once.
    const start = new Date(started - 60000).toISOString();
    const end = new Date(Date.now() + 60000).toISOString();
    const usage = `${url}/usage?customer_id=cus_crash&meter_id=mtr_api_calls&start=${start}&end=${end}`;
    await eventually(async () => ((await getJson(usage, adminKey)).body.total === String(sent) ? true : undefined), 90000, `a count of ${sent}`).catch(async (err) => {
      throw new Error(`${(err as Error).message}; last total ${(await getJson(usage, adminKey)).body.total}`);
    });
    await new Promise((r) => setTimeout(r, 1000)); // nothing more arrives: exactly once
    expect((await getJson(usage, adminKey)).body.total).toBe(String(sent));
  }, 240000);
});
