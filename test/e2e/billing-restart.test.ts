import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import type { Invoice } from '@meterstream/domain';
import { ChildService } from '../support/child-service';
import { eventually, REPO_ROOT, testConfig } from '../support/pipeline';
import { readTopic } from '../support/topic-reader';

// Invariant 3: exactly one invoice per subscription and billing period, whatever restarts billing
// suffers. Billing runs as its own process; it is killed with SIGKILL in the middle of closing the
// periods of 1,000 subscriptions, restarted, and the invoices topic (read_committed) is checked.
describe('billing restart', () => {
  const config = testConfig('billing-restart');
  const prefix = config.kafka.topicPrefix;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meterstream-billing-restart-'));
  const SUBSCRIPTIONS = 1000;
  const PERIODS = 3; // daily periods anchored 3 days (and a bit) ago: 3 due per subscription
  let billing: ChildService;

  beforeAll(() => {
    execFileSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), ['-b'], { cwd: REPO_ROOT });
    const anchor = Math.floor(Date.now() / 60000) * 60000 - PERIODS * 86400000 - 3600000;
    const catalog = {
      meters: [{ id: 'mtr_calls', name: 'Calls', event_name: 'api_request', aggregation: { type: 'count' }, measurement_unit: 'calls' }],
      products: [
        {
          product_id: 'prod_daily',
          name: 'Daily',
          price: {
            type: 'usage_based_price',
            currency: 'USD',
            fixed_price: 100,
            payment_frequency_interval: 'Day',
            payment_frequency_count: 1,
            meters: [{ meter_id: 'mtr_calls', price_per_unit: '1', free_threshold: '0' }],
          },
        },
      ],
      // Seed files are checked as the API checks them: a subscription's customer must exist.
      customers: Array.from({ length: SUBSCRIPTIONS }, (_, i) => ({ customer_id: `cus_${i}`, name: `Customer ${i}`, email: `cus_${i}@restart.test` })),
      subscriptions: Array.from({ length: SUBSCRIPTIONS }, (_, i) => ({
        subscription_id: `sub_${i}`,
        customer_id: `cus_${i}`,
        product_id: 'prod_daily',
        start: new Date(anchor).toISOString(),
        status: 'active',
      })),
    };
    fs.writeFileSync(path.join(dir, 'catalog.json'), JSON.stringify(catalog));
    billing = new ChildService(
      'billing',
      {
        KAFKA_BROKERS: config.kafka.brokers.join(','),
        SCHEMA_REGISTRY_URL: config.registryUrl,
        TOPIC_PREFIX: prefix,
        CATALOG_FILE: path.join(dir, 'catalog.json'),
        CLICKHOUSE_DATA_DIR: path.join(dir, 'clickhouse'),
        BILLING_GRACE_SECONDS: '0',
        BILLING_TICK_MS: '200',
        LOG_LEVEL: 'info',
      },
      path.join(dir, 'billing.log'),
    );
  });
  afterAll(async () => {
    await billing?.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('holds exactly one invoice per subscription and period after a SIGKILL mid-close', async () => {
    const admin = new Kafka({ clientId: 'billing-restart', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const invoicesTopic = `${prefix}invoices`;
    const written = async () => {
      try {
        return (await admin.fetchTopicOffsets(invoicesTopic)).reduce((sum, p) => sum + Number(p.high), 0);
      } catch {
        return 0;
      }
    };
    try {
      billing.start();
      // Kill as soon as the first transactions are on the topic, well before all 3,000 invoices are.
      const seen = await eventually(async () => {
        const n = await written();
        return n > 0 ? n : undefined;
      }, 120000, 'first invoices');
      await billing.kill('SIGKILL');
      const atKill = await written();
      console.log(`billing killed with ${seen}..${atKill} offsets written of ${SUBSCRIPTIONS * PERIODS} invoices`);
      expect(atKill).toBeLessThan(SUBSCRIPTIONS * PERIODS);

      billing.start();
      const expected = SUBSCRIPTIONS * PERIODS;
      const invoices = (await readTopic<Invoice>(config.kafka.brokers, config.registryUrl, invoicesTopic, expected, { timeoutMs: 240000 })).map((r) => r.value);
      // Nothing more arrives after a quiet period: no second copy of any invoice.
      await expect(readTopic(config.kafka.brokers, config.registryUrl, invoicesTopic, expected + 1, { timeoutMs: 8000 })).rejects.toThrow(
        new RegExp(`read ${expected} of ${expected + 1}`),
      );
      const keys = invoices.map((i) => `${i.subscription_id}|${i.period_start}|${i.period_end}`);
      expect(new Set(keys).size).toBe(expected);
      expect(new Set(invoices.map((i) => i.id)).size).toBe(expected);
      for (let s = 0; s < SUBSCRIPTIONS; s++) expect(keys.filter((k) => k.startsWith(`sub_${s}|`))).toHaveLength(PERIODS);
      expect(invoices.every((i) => i.total === '100')).toBe(true);
      expect(billing.exits[0]).toBe('SIGKILL');
    } finally {
      await admin.disconnect();
    }
  }, 600000);
});
