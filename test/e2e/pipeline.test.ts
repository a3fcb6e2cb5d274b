import type { Invoice } from '@meterstream/domain';
import { eventually, getJson, postJson, startTestPipeline, runBilling } from '../support/pipeline';
import { readTopic } from '../support/topic-reader';

// The whole path through real Kafka, the schema registry and ClickHouse: HTTP ingest → events →
// meter-router → meter topics → aggregator → ClickHouse → usage API → billing → Avro invoice on Kafka.
describe('pipeline end to end', () => {
  let app: Awaited<ReturnType<typeof startTestPipeline>>;

  beforeAll(async () => {
    app = await startTestPipeline('e2e', { BILLING_GRACE_SECONDS: '0', BILLING_TICK_MS: '3600000' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('bills HTTP-ingested usage exactly and emits the invoice as Avro on the invoices topic', async () => {
    // The billing period is [T - 2 min, T) with T the last minute boundary; events lie inside it.
    const T = Math.floor(Date.now() / 60000) * 60000;
    const now = T - 10000;
    const start = new Date(T - 120000).toISOString();
    const events = [
      // 130 calls by 3 users; tokens 17 events summing to 17 * 2000 + 0.5 * 17 = 34008.5
      ...Array.from({ length: 130 }, (_, i) => ({
        event_id: `call-${i}`,
        customer_id: 'cus_acme',
        event_name: 'api_request',
        timestamp: new Date(now - 1000 - i).toISOString(),
        metadata: { user_id: `u${i % 3}`, method: 'GET' },
      })),
      ...Array.from({ length: 17 }, (_, i) => ({
        event_id: `llm-${i}`,
        customer_id: 'cus_acme',
        event_name: 'llm_completion',
        timestamp: new Date(now - 2000 - i).toISOString(),
        metadata: { tokens: '2000.5' },
      })),
      // another customer's usage must not reach cus_acme's invoice
      { event_id: 'other-1', customer_id: 'cus_other', event_name: 'api_request', metadata: { user_id: 'x' } },
    ];
    const ingest = await postJson(`${app.url}/events/ingest`, { events }, app.adminKey);
    expect(ingest).toEqual({ status: 200, body: { ingested_count: 148 } });

    const end = new Date(T).toISOString();
    const usageOf = (meter: string) =>
      getJson(`${app.url}/usage?customer_id=cus_acme&meter_id=${meter}&start=${start}&end=${end}`, app.adminKey).then((r) => r.body.total as string);
    const visible = async () =>
      (await usageOf('mtr_api_calls')) === '130' && (await usageOf('mtr_tokens')) === '34008.5' && (await usageOf('mtr_active_users')) === '3';
    await eventually(async () => ((await visible()) ? true : undefined), 60000, 'usage of all three meters');

    // A subscription anchored at the period start and cancelled immediately at T: its final period
    // [start, T) is due at once (grace 0), and a billing run closes it.
    await app.catalog.put('subscriptions', 'sub_e2e', {
      subscription_id: 'sub_e2e',
      customer_id: 'cus_acme',
      product_id: 'prod_pro',
      start,
      status: 'cancelled',
      ends_at: end,
    });
    const run = await runBilling(app.url, app.adminKey);
    expect(run.status).toBe(200);
    expect(run.body.invoices).toHaveLength(1);
    const closed = { body: run.body.invoices[0] };

    const [record] = await readTopic<Invoice>(app.config.kafka.brokers, app.config.registryUrl, `${app.config.kafka.topicPrefix}invoices`, 1);
    const invoice = record.value;
    expect(record.key).toBe(invoice.id);
    expect(invoice.id).toBe(closed.body.id);
    expect(invoice.subscription_id).toBe('sub_e2e');
    expect(invoice.customer_id).toBe('cus_acme');
    // calls: (130 - 100) * 0.5 = 15; tokens: (34008.5 - 1000) * 0.002 = 66.017 → 66;
    // users: (3 - 2) * 150 = 150; fixed 2900 → 3131 cents.
    const byMeter = Object.fromEntries(invoice.lines.map((l) => [l.meter_id ?? l.type, l]));
    expect(byMeter.fixed.amount).toBe('2900');
    expect(byMeter.mtr_api_calls).toMatchObject({ units_consumed: '130', chargeable_units: '30', amount: '15' });
    expect(byMeter.mtr_tokens).toMatchObject({ units_consumed: '34008.5', chargeable_units: '33008.5', amount: '66' });
    expect(byMeter.mtr_active_users).toMatchObject({ units_consumed: '3', chargeable_units: '1', amount: '150' });
    expect(invoice.total).toBe('3131');

    // A second run issues nothing more: one invoice per subscription and period.
    const again = await runBilling(app.url, app.adminKey);
    expect(again.body.invoices).toEqual([]);
  });
});
