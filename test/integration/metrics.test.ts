import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { pipelineNames, type Warehouse } from '@meterstream/common';
import type { Invoice } from '@meterstream/domain';
import { eventually, getJson, groupCaughtUp, postJson, startTestPipeline } from '../support/pipeline';

// Issue 12, items 1 and 2: known traffic through the standalone pipeline, then GET /metrics must show
// exactly that traffic (gateway, router thread, aggregator and billing counters in one scrape), and
// GET /readyz must say `error` while ClickHouse is unreachable and name the DLQ records of the window.
const CUSTOMER = 'cus_metrics';
const GARBAGE = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]);

/** The value of one sample line `name{labels} value` of a Prometheus text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels);
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = new Map([...(match[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (have.size === want.length && want.every(([k, v]) => have.get(k) === v)) return Number(match[3]);
  }
  return undefined;
}

describe('GET /metrics and /readyz after known traffic', () => {
  let app: Awaited<ReturnType<typeof startTestPipeline>>;
  let clickhouseDown = false;
  const scrape = async () => {
    const res = await fetch(`${app.url}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  };

  beforeAll(async () => {
    app = await startTestPipeline(
      'metrics',
      { BILLING_GRACE_SECONDS: '0', BILLING_TICK_MS: '3600000', HEALTH_CACHE_MS: '0', HEALTH_PROBE_TIMEOUT_MS: '1000' },
      {
        wrapWarehouse: (warehouse: Warehouse): Warehouse => ({
          kind: warehouse.kind,
          query: async (sql, params) => {
            if (clickhouseDown) throw new Error('injected: connect ECONNREFUSED');
            return warehouse.query(sql, params);
          },
          command: (sql, params) => warehouse.command(sql, params),
          insert: (table, rows, options) => warehouse.insert(table, rows, options),
          close: () => warehouse.close(),
        }),
      },
    );
  }, 120000);
  afterAll(async () => {
    await app?.stop();
  });

  it('counts accepted, repeated and refused events, routed and dead-lettered records, flushed rows and invoices exactly', async () => {
    const api = (id: string, user?: string) => ({ event_id: id, customer_id: CUSTOMER, event_name: 'api_request', metadata: user ? { user_id: user } : { path: '/x' } });
    const ingest = (body: unknown) => postJson(`${app.url}/events/ingest`, body, app.adminKey);
    // Accepted: 4 + 1 events. Each api_request with a user_id makes 2 meter records (mtr_api_calls,
    // mtr_active_users); the llm_completion 1 (mtr_tokens); the api_request without user_id 1 record and
    // one METER_KEY_MISSING DLQ record (mtr_active_users needs the key). 3·2 + 1 + 1 = 8 records.
    const first = [api('m-1', 'u1'), api('m-2', 'u2'), api('m-3', 'u1'), { event_id: 'm-4', customer_id: CUSTOMER, event_name: 'llm_completion', metadata: { tokens: '12.5' } }];
    expect(await ingest({ events: first })).toEqual({ status: 200, body: { ingested_count: 4 } });
    expect(await ingest({ events: [first[0], first[1], api('m-5')] })).toEqual({ status: 200, body: { ingested_count: 1 } });
    // Refused: 3 events with one bad timestamp (422), 2 with one id (422), a body that is no JSON (400,
    // no events read), no key (401, no events read).
    expect((await ingest({ events: [api('r-1', 'u'), { ...api('r-2', 'u'), timestamp: 'yesterday' }, api('r-3', 'u')] })).body.code).toBe('VALIDATION_FAILED');
    expect((await ingest({ events: [api('r-4', 'u'), api('r-4', 'u')] })).body.code).toBe('DUPLICATE_EVENT_ID_IN_BATCH');
    const bad = await fetch(`${app.url}/events/ingest`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${app.adminKey}` }, body: '{"events": [' });
    expect(bad.status).toBe(400);
    expect((await postJson(`${app.url}/events/ingest`, { events: [api('r-5', 'u')] })).status).toBe(401);
    // One record the router cannot decode: UNDECODABLE to the DLQ.
    const kafka = new Kafka({ clientId: 'metrics-test', brokers: app.config.kafka.brokers, logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: app.config.kafka.topicPrefix + 'events', acks: -1, messages: [{ key: CUSTOMER, value: GARBAGE }] });
    await producer.disconnect();

    // A billing run issuing 2 invoices: two subscriptions whose period just ended.
    const T = Math.floor(Date.now() / 60000) * 60000;
    const price = { type: 'usage_based_price' as const, currency: 'USD', fixed_price: 100, payment_frequency_interval: 'Month' as const, payment_frequency_count: 1, meters: [{ meter_id: 'mtr_api_calls', price_per_unit: '1', free_threshold: '0' }] };
    await app.catalog.put('products', 'prod_metrics', { product_id: 'prod_metrics', name: 'Metrics', price });
    for (const id of ['sub_m1', 'sub_m2']) {
      await app.catalog.put('subscriptions', id, { subscription_id: id, customer_id: CUSTOMER, product_id: 'prod_metrics', start: new Date(T - 120000).toISOString(), status: 'cancelled', ends_at: new Date(T).toISOString() });
    }
    const names = pipelineNames(app.config.kafka.topicPrefix);
    await groupCaughtUp(app.config, names.routerGroup, app.config.kafka.topicPrefix + 'events');
    const run = await postJson(`${app.url}/billing/run`, {}, app.adminKey);
    expect(run.status).toBe(200);
    expect((run.body.invoices as Invoice[]).map((i) => i.subscription_id).sort()).toEqual(['sub_m1', 'sub_m2']);

    // The aggregator's rows land on its timer: wait for them, then read everything from one scrape.
    const text = await eventually(async () => {
      const t = await scrape();
      return sample(t, 'meterstream_aggregator_flush_rows_total', { sink: 'usage', table: 'meter_records' }) === 8 &&
        sample(t, 'meterstream_aggregator_flush_rows_total', { sink: 'raw-events', table: 'events' }) === 5
        ? t
        : undefined;
    }, 30000, 'the aggregator rows in /metrics');
    const ingestRoute = { method: 'POST', route: '/events/ingest' };
    expect({
      accepted: sample(text, 'meterstream_events_accepted_total'),
      repeats: sample(text, 'meterstream_events_duplicate_total'),
      refusedEvents: [sample(text, 'meterstream_events_refused_total', { code: 'VALIDATION_FAILED' }), sample(text, 'meterstream_events_refused_total', { code: 'DUPLICATE_EVENT_ID_IN_BATCH' })],
      refusedRequests: ['VALIDATION_FAILED', 'DUPLICATE_EVENT_ID_IN_BATCH', 'INVALID_JSON', 'UNAUTHENTICATED'].map((code) => sample(text, 'meterstream_ingest_requests_refused_total', { code })),
      http: ['200', '422', '400', '401'].map((status) => sample(text, 'meterstream_http_requests_total', { ...ingestRoute, status })),
      latencyCount: sample(text, 'meterstream_http_request_duration_seconds_count', { ...ingestRoute, status: '200' }),
      routed: sample(text, 'meterstream_router_events_routed_total'),
      records: sample(text, 'meterstream_router_records_routed_total'),
      routerRepeats: sample(text, 'meterstream_router_duplicates_total'),
      dlq: [sample(text, 'meterstream_dlq_records_total', { service: 'meter-router', code: 'METER_KEY_MISSING' }), sample(text, 'meterstream_dlq_records_total', { service: 'meter-router', code: 'UNDECODABLE' })],
      invoices: sample(text, 'meterstream_invoices_issued_total'),
      billingWaiting: sample(text, 'meterstream_billing_periods_waiting'),
      flushFailures: sample(text, 'meterstream_aggregator_flush_failures_total', { sink: 'usage' }),
    }).toEqual({
      accepted: 5,
      repeats: 2,
      refusedEvents: [3, 2],
      refusedRequests: [1, 1, 1, 1],
      http: [2, 2, 1, 1],
      latencyCount: 2,
      routed: 5,
      records: 8,
      routerRepeats: 0,
      dlq: [1, 1],
      invoices: 2,
      billingWaiting: 0,
      flushFailures: undefined,
    });
    expect(sample(text, 'meterstream_aggregator_flush_duration_seconds_count', { sink: 'usage' })).toBeGreaterThan(0);
    expect(sample(text, 'meterstream_process_resident_memory_bytes')).toBeGreaterThan(0);
    // Route patterns only: a GET of an unknown URL is labelled `unmatched`, never by its path.
    await fetch(`${app.url}/no/such/path-12345`, { headers: { authorization: `Bearer ${app.adminKey}` } });
    const after = await scrape();
    expect(sample(after, 'meterstream_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(after).not.toContain('path-12345');
  }, 120000);

  it('reports the lag of every consumer group and partition, and the DLQ records of the window in /readyz', async () => {
    const prefix = app.config.kafka.topicPrefix;
    const names = pipelineNames(prefix);
    // Once everything is consumed: lag 0 on the 3 partitions of events (router, raw event sink) and of
    // the 3 meter topics (aggregator), and /readyz names only the two DLQ records.
    const ready = await eventually(async () => {
      const res = await getJson(`${app.url}/readyz`);
      return res.body.reasons.every((r: { check: string }) => r.check === 'dlq') ? res : undefined;
    }, 30000, 'no lag reason in /readyz');
    expect(ready).toEqual({
      status: 503,
      body: {
        status: 'degraded',
        reasons: [
          { check: 'dlq', reason: 'meter-router wrote 1 record(s) with code METER_KEY_MISSING to the DLQ in the last 300 s' },
          { check: 'dlq', reason: 'meter-router wrote 1 record(s) with code UNDECODABLE to the DLQ in the last 300 s' },
        ],
      },
    });
    const text = await scrape();
    const lags = text.split('\n').filter((l) => l.startsWith('meterstream_consumer_lag{'));
    const expected: string[] = [];
    for (const p of [0, 1, 2]) {
      expected.push(`meterstream_consumer_lag{group="${names.routerGroup}",topic="${prefix}events",partition="${p}"} 0`);
      expected.push(`meterstream_consumer_lag{group="${names.rawEventSinkGroup}",topic="${prefix}events",partition="${p}"} 0`);
      for (const meter of ['mtr_api_calls', 'mtr_tokens', 'mtr_active_users']) expected.push(`meterstream_consumer_lag{group="${names.aggregatorGroup}",topic="${prefix}meter.${meter}",partition="${p}"} 0`);
    }
    expect(lags.sort()).toEqual(expected.sort());
  }, 60000);

  it('says error, naming ClickHouse, while ClickHouse is unreachable, and stops saying so when it is back', async () => {
    clickhouseDown = true;
    const down = await getJson(`${app.url}/readyz`);
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('error');
    expect(down.body.reasons).toContainEqual({ check: 'clickhouse', severity: 'error', reason: 'ClickHouse unreachable: injected: connect ECONNREFUSED' });
    expect(down.body.reasons.filter((r: { severity?: string }) => r.severity === 'error')).toHaveLength(1);
    clickhouseDown = false;
    const back = await getJson(`${app.url}/readyz`);
    expect(back.body.status).toBe('degraded'); // the DLQ records of the window remain
    expect(back.body.reasons.some((r: { check: string }) => r.check === 'clickhouse')).toBe(false);
  }, 60000);
});
