import fs from 'node:fs';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { AvroCodec, createLogger, pipelineNames } from '@meterstream/common';
import { type UsageEvent } from '@meterstream/domain';
import { startStandalone } from '@meterstream/standalone';
import { eventually, getJson, groupCaughtUp, postJson, testConfig } from '../support/pipeline';
import { readTopic } from '../support/topic-reader';

// Invariant 2: every accepted event_id counts once in every matching meter, whether the repeat comes
// over HTTP, straight from a Kafka producer, or after the router restarted (its memory of routed ids
// is restored from the deduplication changelog).
describe('event id deduplication', () => {
  const config = testConfig('dedup');
  const prefix = config.kafka.topicPrefix;
  const adminKey = config.auth.bootstrapAdminKey;
  const customer = 'cus_dedup';
  const start = new Date(Date.now() - 600000).toISOString();
  const logger = createLogger('warn', 'test-dedup');

  afterAll(() => fs.rmSync(config.clickhouse.dataDir, { recursive: true, force: true }));

  const events = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      event_id: `dup-${from + i}`,
      customer_id: customer,
      event_name: 'llm_completion',
      metadata: { tokens: '1.5' },
    }));

  async function produceDirect(batch: ReturnType<typeof events>): Promise<void> {
    const kafka = new Kafka({ clientId: 'dedup-direct', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });
    const codec = new AvroCodec(config.registryUrl);
    await codec.register(`${prefix}events`, 'usage-event');
    const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const messages = await Promise.all(
      batch.map(async (e) => {
        const event: UsageEvent = { ...e, timestamp: Date.now(), ingested_at: Date.now(), metadata: { tokens: { decimal: '1.5' } } };
        return { key: e.customer_id, value: await codec.encode(`${prefix}events`, event) };
      }),
    );
    await producer.send({ topic: `${prefix}events`, acks: -1, messages });
    await producer.disconnect();
  }

  async function tokens(url: string): Promise<string> {
    const end = new Date(Date.now() + 600000).toISOString();
    return (await getJson(`${url}/usage?customer_id=${customer}&meter_id=mtr_tokens&start=${start}&end=${end}`, adminKey)).body.total;
  }

  /** The customer's tokens in the two minutes around `at` (where no other test's events fall). */
  async function tokensAt(url: string, at: number): Promise<string> {
    return (await getJson(`${url}/usage?customer_id=${customer}&meter_id=mtr_tokens&start=${new Date(at - 60000).toISOString()}&end=${new Date(at + 60000).toISOString()}`, adminKey)).body.total;
  }

  it('counts repeats once across HTTP resends, direct producers and a restart', async () => {
    let app = await startStandalone(config, logger);
    try {
      expect((await postJson(`${app.url}/events/ingest`, { events: events(0, 100) }, adminKey)).status).toBe(200);
      expect((await postJson(`${app.url}/events/ingest`, { events: events(50, 100) }, adminKey)).status).toBe(200); // 50 repeats
      await produceDirect(events(0, 30)); // 30 more repeats, straight to Kafka
      // 150 distinct ids × 1.5 tokens
      await eventually(async () => ((await tokens(app.url)) === '225' ? true : undefined), 60000, 'tokens 225');
      await groupCaughtUp(config, pipelineNames(prefix).routerGroup, `${prefix}events`);
    } finally {
      await app.stop();
    }

    app = await startStandalone(config, logger); // same topics, same ClickHouse data: a restart
    try {
      await produceDirect(events(100, 60)); // 50 repeats of ids routed before the restart, 10 new
      await postJson(`${app.url}/events/ingest`, { events: events(0, 10) }, adminKey); // 10 more repeats
      await eventually(async () => ((await tokens(app.url)) === '240' ? true : undefined), 60000, 'tokens 240');
      await groupCaughtUp(config, pipelineNames(prefix).routerGroup, `${prefix}events`);
      await new Promise((r) => setTimeout(r, 1500)); // a late double would have landed by now
      expect(await tokens(app.url)).toBe('240');
    } finally {
      await app.stop();
    }
  });

  it('counts an event older than the window once, however often it comes, and dead-letters one older than the backfill limit', async () => {
    const app = await startStandalone(config, logger);
    try {
      const kafka = new Kafka({ clientId: 'dedup-old', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });
      const codec = new AvroCodec(config.registryUrl);
      await codec.register(`${prefix}events`, 'usage-event');
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      const at = Date.now() - 3 * 3600000;
      const old = (event_id: string, timestamp: number, tokens: string): UsageEvent => ({ ...events(900, 1)[0]!, event_id, timestamp, ingested_at: Date.now(), metadata: { tokens: { decimal: tokens } } });
      const send = async (event: UsageEvent) => producer.send({ topic: `${prefix}events`, acks: -1, messages: [{ key: customer, value: await codec.encode(`${prefix}events`, event) }] });
      // Three hours old: outside the 120-minute window, inside the 35-day backfill limit. Sent three
      // times (the second copy with another value): counted once, with the first copy's value.
      await send(old('three-hours-old', at, '7.25'));
      await send(old('three-hours-old', at, '1000'));
      await send(old('three-hours-old', at, '7.25'));
      // Thirty-six days old: beyond the backfill limit.
      await send(old('too-old', Date.now() - 36 * 86400000, '5'));
      await producer.disconnect();
      const [record] = await readTopic(config.kafka.brokers, config.registryUrl, `${prefix}events.dlq`, 1, { decode: false });
      expect(record.headers?.['dlq-code']?.toString()).toBe('EVENT_OLDER_THAN_BACKFILL_LIMIT');
      await groupCaughtUp(config, pipelineNames(prefix).routerGroup, `${prefix}events`);
      await eventually(async () => ((await tokensAt(app.url, at)) === '7.25' ? true : undefined), 60000, 'backfilled tokens 7.25');
      await new Promise((r) => setTimeout(r, 1500)); // a late double would have landed by now
      expect(await tokensAt(app.url, at)).toBe('7.25');
    } finally {
      await app.stop();
    }
  });
});
