import type { Warehouse } from '@meterstream/common';
import type { Invoice } from '@meterstream/domain';
import { eventually, getJson, postJson, runBilling, startTestPipeline } from '../support/pipeline';

// Invariant 9, a stuck meter: every insert of mtr_active_users rows fails (ClickHouse unreachable for
// them, an infrastructure error retried for ever), so that meter's partitions stop. Billing must still
// invoice a subscription whose product uses only mtr_api_calls, hold back the one that uses the stuck
// meter (and say why), /readyz must name the stuck partition, and the standalone must stop within
// 10 s while the inserts keep failing.
describe('a stuck meter', () => {
  const STUCK = 'mtr_active_users';
  let app: Awaited<ReturnType<typeof startTestPipeline>>;
  let stopped = false;
  let refused = 0;

  beforeAll(async () => {
    app = await startTestPipeline(
      'stuck-meter',
      {
        BILLING_GRACE_SECONDS: '0',
        BILLING_TICK_MS: '3600000',
        BILLING_CATCH_UP_TIMEOUT_MS: '4000',
        AGGREGATOR_DEGRADED_AFTER_MS: '500',
        // Full buffers flush from the fetch loop too, not only from the timer.
        AGGREGATOR_FLUSH_MAX_RECORDS: '2',
      },
      {
        wrapWarehouse: (warehouse: Warehouse): Warehouse => ({
          kind: warehouse.kind,
          query: (sql, params) => warehouse.query(sql, params),
          command: (sql, params) => warehouse.command(sql, params),
          close: () => warehouse.close(),
          insert: async (table, rows, options) => {
            if ((table === 'meter_records' || table === 'meter_usage') && (rows as { meter_id?: string }[]).some((r) => r.meter_id === STUCK)) {
              refused += 1;
              // As a client timeout does: the failure takes a while to come back.
              await new Promise((r) => setTimeout(r, 1500));
              throw new Error('injected: ClickHouse unreachable for this meter (timeout)');
            }
            await warehouse.insert(table, rows, options);
          },
        }),
      },
    );
  }, 120000);

  afterAll(async () => {
    if (!stopped) await app?.stop();
  });

  it('invoices the subscriptions whose meters are healthy and holds back the one on the stuck meter', async () => {
    const T = Math.floor(Date.now() / 60000) * 60000;
    const start = new Date(T - 120000).toISOString();
    const end = new Date(T).toISOString();
    const price = (meterId: string) => ({
      type: 'usage_based_price' as const,
      currency: 'USD',
      fixed_price: 100,
      payment_frequency_interval: 'Month' as const,
      payment_frequency_count: 1,
      meters: [{ meter_id: meterId, price_per_unit: '2', free_threshold: '0' }],
    });
    await app.catalog.put('products', 'prod_calls', { product_id: 'prod_calls', name: 'Calls', price: price('mtr_api_calls') });
    await app.catalog.put('products', 'prod_users', { product_id: 'prod_users', name: 'Users', price: price(STUCK) });
    for (const [id, product] of [['sub_calls', 'prod_calls'], ['sub_users', 'prod_users']]) {
      await app.catalog.put('subscriptions', id, { subscription_id: id, customer_id: 'cus_acme', product_id: product, start, status: 'cancelled', ends_at: end });
    }
    // 7 calls by 2 users inside the period: they reach mtr_api_calls and the stuck mtr_active_users.
    const events = Array.from({ length: 7 }, (_, i) => ({
      event_id: `stuck-${i}`,
      customer_id: 'cus_acme',
      event_name: 'api_request',
      timestamp: new Date(T - 30000 - i).toISOString(),
      metadata: { user_id: `u${i % 2}` },
    }));
    expect(await postJson(`${app.url}/events/ingest`, { events }, app.adminKey)).toEqual({ status: 200, body: { ingested_count: 7 } });
    await eventually(async () => (refused > 0 ? true : undefined), 30000, 'an insert of the stuck meter refused');

    // The run completes with the invoices of the subscriptions the stuck meter does not hold back.
    // Billing gives up on the stuck meter after BILLING_CATCH_UP_TIMEOUT_MS (4 s here): the run is
    // followed for 30 s at most, where waiting for the meter without end would never finish.
    const run = await runBilling(app.url, app.adminKey, 30000);
    expect(run.status).toBe(200);
    expect(run.body.status).toBe('completed');
    const invoices = run.body.invoices as Invoice[];
    expect(invoices.map((i) => i.subscription_id)).toEqual(['sub_calls']);
    const [line] = invoices[0].lines.filter((l) => l.meter_id === 'mtr_api_calls');
    expect(line).toMatchObject({ units_consumed: '7', amount: '14' });
    expect(invoices[0].total).toBe('114');

    // /readyz (no key needed) names the stuck partition: the aggregator's failing flush and billing's wait.
    const ready = await getJson(`${app.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('degraded');
    const stuckTopic = `${app.config.kafka.topicPrefix}meter.${STUCK}`;
    const checks = (ready.body.reasons as { check: string; topic: string; partition: number; reason: string }[]).map((r) => [r.check, r.topic, typeof r.partition]);
    expect(checks).toEqual(expect.arrayContaining([['aggregator', stuckTopic, 'number'], ['billing', stuckTopic, 'number']]));
    expect(ready.body.reasons.find((r: { check: string }) => r.check === 'billing').reason).toMatch(new RegExp(`wait for meter ${STUCK}: ${stuckTopic.replace(/\./g, '\\.')} partition \\d`));
    expect(ready.body.reasons.every((r: { topic: string }) => r.topic === stuckTopic)).toBe(true);
  }, 120000);

  it('stops while the inserts keep failing', async () => {
    const before = refused;
    await eventually(async () => (refused > before ? true : undefined), 10000, 'inserts still failing');
    stopped = true;
    // A stop that waited for the failing flush would hang here until the test's timeout.
    await expect(app.stop()).resolves.toBeUndefined();
  }, 120000);
});
