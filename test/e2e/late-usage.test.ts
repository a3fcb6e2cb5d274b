import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { AvroCodec } from '@meterstream/common';
import { type Invoice, type UsageEvent } from '@meterstream/domain';
import { eventually, getJson, postJson, startTestPipeline, runBilling } from '../support/pipeline';
import { readTopic } from '../support/topic-reader';

// Invariant 4: an event that arrives after its period was invoiced is never lost and never billed
// twice: it is billed as an adjustment line on the next invoice.
describe('late usage', () => {
  let app: Awaited<ReturnType<typeof startTestPipeline>>;
  const MIN = 60000;

  beforeAll(async () => {
    app = await startTestPipeline('late', { BILLING_GRACE_SECONDS: '0', BILLING_TICK_MS: '3600000' });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('bills an event for an invoiced period as an adjustment line on the next invoice, once', async () => {
    const prefix = app.config.kafka.topicPrefix;
    const now = Date.now();
    const T = Math.floor(now / MIN) * MIN;
    // Daily periods anchored so that period 0 ended 30 minutes ago and period 1 runs now.
    const anchor = T - 24 * 60 * MIN - 30 * MIN;
    const boundary = anchor + 24 * 60 * MIN;
    await app.catalog.put('products', 'prod_late', {
      product_id: 'prod_late',
      name: 'Per call',
      price: {
        type: 'usage_based_price',
        currency: 'USD',
        fixed_price: 0,
        payment_frequency_interval: 'Day',
        payment_frequency_count: 1,
        meters: [{ meter_id: 'mtr_api_calls', price_per_unit: '25', free_threshold: '0' }],
      },
    });
    await app.catalog.put('subscriptions', 'sub_late', {
      subscription_id: 'sub_late',
      customer_id: 'cus_late',
      product_id: 'prod_late',
      start: new Date(anchor).toISOString(),
      status: 'active',
    });
    const call = (id: string, at: number) => ({ event_id: id, customer_id: 'cus_late', event_name: 'api_request', timestamp: new Date(at).toISOString(), metadata: { user_id: 'u' } });
    const sent = await postJson(
      `${app.url}/events/ingest`,
      { events: [...[1, 2, 3, 4, 5].map((i) => call(`p0-${i}`, boundary - 15 * MIN)), ...[1, 2, 3].map((i) => call(`p1-${i}`, T - 5 * MIN))] },
      app.adminKey,
    );
    expect(sent.body.ingested_count).toBe(8);
    const calls = async (start: number, end: number) =>
      (await getJson(`${app.url}/usage?customer_id=cus_late&meter_id=mtr_api_calls&start=${new Date(start).toISOString()}&end=${new Date(end).toISOString()}`, app.adminKey)).body.total;
    await eventually(async () => ((await calls(anchor, boundary)) === '5' && (await calls(boundary, T)) === '3' ? true : undefined), 60000, 'usage 5 + 3');

    // Period 0 closes: 5 calls × 25.
    const first = (await runBilling(app.url, app.adminKey)).body.invoices as Invoice[];
    expect(first).toHaveLength(1);
    expect(first[0].period_end).toBe(new Date(boundary).toISOString());
    expect(first[0].total).toBe('125');

    // Two late calls for period 0 arrive straight from a Kafka producer.
    const kafka = new Kafka({ clientId: 'late-producer', brokers: app.config.kafka.brokers, logLevel: logLevel.NOTHING });
    const codec = new AvroCodec(app.config.registryUrl);
    await codec.register(`${prefix}events`, 'usage-event');
    const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const late: UsageEvent[] = ['late-1', 'late-2'].map((id) => ({
      event_id: id,
      customer_id: 'cus_late',
      event_name: 'api_request',
      timestamp: boundary - 10 * MIN,
      metadata: { user_id: 'u' },
      ingested_at: Date.now(),
    }));
    await producer.send({ topic: `${prefix}events`, acks: -1, messages: await Promise.all(late.map(async (e) => ({ key: e.customer_id, value: await codec.encode(`${prefix}events`, e) }))) });
    await producer.disconnect();
    await eventually(async () => ((await calls(anchor, boundary)) === '7' ? true : undefined), 60000, 'late usage visible');

    // Nothing is due yet: the late usage waits for the next invoice.
    expect((await runBilling(app.url, app.adminKey)).body.invoices).toEqual([]);

    // The subscription is cancelled at T: the final period [boundary, T) closes with 3 calls and one
    // adjustment line of 2 calls for period 0.
    await app.catalog.put('subscriptions', 'sub_late', { ...app.catalog.store.get('subscriptions', 'sub_late')!, status: 'cancelled', ends_at: new Date(T).toISOString() });
    const second = (await runBilling(app.url, app.adminKey)).body.invoices as Invoice[];
    expect(second).toHaveLength(1);
    const lines = second[0].lines;
    expect(lines.find((l) => l.type === 'meter')).toMatchObject({ meter_id: 'mtr_api_calls', units_consumed: '3', amount: '75' });
    const adjustments = lines.filter((l) => l.type === 'adjustment');
    expect(adjustments).toEqual([
      expect.objectContaining({
        meter_id: 'mtr_api_calls',
        units_consumed: '2',
        amount: '50',
        adjusted_period_start: new Date(anchor).toISOString(),
        adjusted_period_end: new Date(boundary).toISOString(),
      }),
    ]);
    expect(second[0].total).toBe('125');
    expect((await runBilling(app.url, app.adminKey)).body.invoices).toEqual([]);

    // On the topic: exactly these two invoices, the first unchanged; the late calls appear only once.
    const onTopic = (await readTopic<Invoice>(app.config.kafka.brokers, app.config.registryUrl, `${prefix}invoices`, 2)).map((r) => r.value);
    expect(onTopic.map((i) => i.id).sort()).toEqual([first[0].id, second[0].id].sort());
    await expect(readTopic(app.config.kafka.brokers, app.config.registryUrl, `${prefix}invoices`, 3, { timeoutMs: 4000 })).rejects.toThrow(/read 2 of 3/);
    expect(onTopic.find((i) => i.id === first[0].id)!.total).toBe('125');
    const billedUnits = onTopic.flatMap((i) => i.lines).filter((l) => l.meter_id === 'mtr_api_calls').reduce((s, l) => s + Number(l.units_consumed), 0);
    expect(billedUnits).toBe(10); // 5 + 3 + 2: every call billed exactly once
  });
});
