import type { UsageEvent } from '@meterstream/domain';
import { postJson, startTestPipeline } from '../support/pipeline';
import { readTopic } from '../support/topic-reader';

describe('events topic contract', () => {
  let app: Awaited<ReturnType<typeof startTestPipeline>>;

  beforeAll(async () => {
    app = await startTestPipeline('events');
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('carries each accepted event as registry-framed Avro keyed by customer, with every field', async () => {
    const timestamp = new Date(Date.now() - 5000);
    timestamp.setMilliseconds(123);
    const before = Date.now();
    const res = await postJson(`${app.url}/events/ingest`, {
      events: [
        {
          event_id: 'evt-contract-1',
          customer_id: 'cus_contract',
          event_name: 'api_request',
          timestamp: timestamp.toISOString(),
          metadata: { method: 'GET', tokens: 150, ratio: 0.1, cached: false, big: '12345678901234.123456789012' },
        },
      ],
    }, app.adminKey);
    expect(res).toEqual({ status: 200, body: { ingested_count: 1 } });

    const [record] = await readTopic<UsageEvent>(app.config.kafka.brokers, app.config.registryUrl, `${app.config.kafka.topicPrefix}events`, 1);
    expect(record.key).toBe('cus_contract');
    const event = record.value;
    expect(event.event_id).toBe('evt-contract-1');
    expect(event.customer_id).toBe('cus_contract');
    expect(event.event_name).toBe('api_request');
    expect(event.timestamp).toBe(timestamp.getTime());
    expect(event.metadata).toEqual({
      method: 'GET',
      tokens: { decimal: '150' },
      ratio: { decimal: '0.1' },
      cached: false,
      big: '12345678901234.123456789012',
    });
    expect(event.ingested_at).toBeGreaterThanOrEqual(before);
    expect(event.ingested_at).toBeLessThanOrEqual(Date.now());
  });
});
