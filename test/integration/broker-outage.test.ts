import { DedicatedKafka } from '../support/dedicated-kafka';
import { eventually, getJson, postJson, startTestPipeline } from '../support/pipeline';

// Durability: the gateway answers 2xx only once Kafka acknowledged the events. With the broker down it
// answers 503 with a retryable code; after the broker is back, the resend is accepted and counted once.
describe('broker outage', () => {
  const kafka = new DedicatedKafka(39092);
  let app: Awaited<ReturnType<typeof startTestPipeline>>;
  const key = () => (app as { adminKey?: string }).adminKey;

  beforeAll(async () => {
    kafka.start();
    app = await startTestPipeline('outage', { KAFKA_BROKERS: kafka.brokers });
  });
  afterAll(async () => {
    await app?.stop();
    kafka.remove();
  });

  const batch = (from: number, n: number) => ({
    events: Array.from({ length: n }, (_, i) => ({ event_id: `out-${from + i}`, customer_id: 'cus_outage', event_name: 'api_request', metadata: { user_id: 'u' } })),
  });

  it('answers 503 while Kafka is down and counts the resend once after it is back', async () => {
    expect((await postJson(`${app.url}/events/ingest`, batch(0, 10), key())).body).toEqual({ ingested_count: 10 });

    kafka.stop();
    const started = Date.now();
    const down = await postJson(`${app.url}/events/ingest`, batch(10, 20), key());
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ code: 'EVENT_BUS_UNAVAILABLE', retryable: true });
    console.log(`503 after ${Date.now() - started} ms with the broker down`);

    kafka.start();
    const resent = await eventually(async () => {
      const res = await postJson(`${app.url}/events/ingest`, batch(10, 20), key());
      return res.status === 200 ? res : undefined;
    }, 90000, 'ingest to succeed after the restart');
    expect(resent.body).toEqual({ ingested_count: 20 });
    expect((await postJson(`${app.url}/events/ingest`, batch(10, 20), key())).body).toEqual({ ingested_count: 0 });

    const start = new Date(Date.now() - 600000).toISOString();
    const end = new Date(Date.now() + 600000).toISOString();
    const url = `${app.url}/usage?customer_id=cus_outage&meter_id=mtr_api_calls&start=${start}&end=${end}`;
    await eventually(async () => ((await getJson(url, key())).body.total === '30' ? true : undefined), 120000, 'usage 30');
    await new Promise((r) => setTimeout(r, 2000));
    expect((await getJson(url, key())).body.total).toBe('30');
  });
});
