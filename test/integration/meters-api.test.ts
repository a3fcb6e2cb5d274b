import DodoPayments from 'dodopayments';
import { pipelineNames } from '@meterstream/common';
import { eventually, getJson, groupCaughtUp, postJson, startTestPipeline } from '../support/pipeline';

// The official dodopayments SDK, pointed at the gateway, drives the meters API; a meter created while
// events stream in applies to the events accepted after its creation, with no restart.
describe('meters API (dodopayments SDK)', () => {
  let app: Awaited<ReturnType<typeof startTestPipeline>>;
  let client: DodoPayments;

  beforeAll(async () => {
    app = await startTestPipeline('meters');
    client = new DodoPayments({ bearerToken: app.adminKey, baseURL: app.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const nested3 = {
    conjunction: 'and' as const,
    clauses: [
      {
        conjunction: 'or' as const,
        clauses: [
          { conjunction: 'and' as const, clauses: [{ key: 'tier', operator: 'equals' as const, value: 'gold' }, { key: 'tokens', operator: 'greater_than' as const, value: 100 }] },
          { conjunction: 'and' as const, clauses: [{ key: 'model', operator: 'contains' as const, value: 'large' }] },
        ],
      },
    ],
  };

  it('creates, retrieves, lists, archives and unarchives meters, with a filter nested 3 levels', async () => {
    const created = await client.meters.create({
      name: 'Gold tokens',
      event_name: 'llm_completion',
      measurement_unit: 'tokens',
      aggregation: { type: 'sum', key: 'tokens' },
      description: 'tokens of gold-tier or large-model calls',
      filter: nested3 as never,
    });
    expect(created.id).toMatch(/^mtr_[0-9a-f]{24}$/);
    expect(created).toMatchObject({ name: 'Gold tokens', event_name: 'llm_completion', aggregation: { type: 'sum', key: 'tokens' }, filter: nested3 });
    expect(created.business_id).toBe('bus_meterstream');

    const retrieved = await client.meters.retrieve(created.id);
    expect(retrieved).toEqual(created);

    const active = [];
    for await (const meter of client.meters.list({ page_size: 2, page_number: 0 })) active.push(meter.id);
    expect(active).toEqual(expect.arrayContaining(['mtr_api_calls', 'mtr_tokens', 'mtr_active_users', created.id]));
    expect(new Set(active).size).toBe(active.length);

    await client.meters.archive(created.id);
    expect((await client.meters.retrieve(created.id) as { archived?: boolean }).archived).toBe(true);
    const archived = [];
    for await (const meter of client.meters.list({ archived: true })) archived.push(meter.id);
    expect(archived).toEqual([created.id]);
    const stillActive = [];
    for await (const meter of client.meters.list()) stillActive.push(meter.id);
    expect(stillActive).not.toContain(created.id);

    await client.meters.unarchive(created.id);
    expect((await client.meters.retrieve(created.id) as { archived?: boolean }).archived).toBe(false);
  });

  it('refuses a filter nested 4 levels and invalid definitions, naming the field', async () => {
    const nested4 = { conjunction: 'and', clauses: [nested3] };
    const res = await postJson(`${app.url}/meters`, {
      name: 'too deep',
      event_name: 'x',
      measurement_unit: 'u',
      aggregation: { type: 'count' },
      filter: nested4,
    }, app.adminKey);
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(res.body.errors)).toMatch(/maximum depth is 3/);

    const bad = await postJson(`${app.url}/meters`, { name: 'x', event_name: 'x', measurement_unit: 'u', aggregation: { type: 'sum' } }, app.adminKey);
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'aggregation.key' })]);

    const missing = await getJson(`${app.url}/meters/mtr_missing`, app.adminKey);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NOT_FOUND');
    await expect(client.meters.retrieve('mtr_missing')).rejects.toMatchObject({ status: 404 });
  });

  it('applies a meter created during a running stream to the events accepted after creation, without restart', async () => {
    const customer = `cus_live_${Date.now()}`;
    const start = new Date(Date.now() - 120000).toISOString();
    const send = (from: number, n: number) =>
      postJson(`${app.url}/events/ingest`, {
        events: Array.from({ length: n }, (_, i) => ({
          event_id: `live-${from + i}`,
          customer_id: customer,
          event_name: 'upload',
          metadata: { bytes: String(1000 + from + i), region: (from + i) % 2 === 0 ? 'eu' : 'us' },
        })),
      }, app.adminKey);
    expect((await send(0, 50)).body.ingested_count).toBe(50);
    // These 50 are routed before the meter exists, so they must not count.
    const prefix = app.config.kafka.topicPrefix;
    await groupCaughtUp(app.config, pipelineNames(prefix).routerGroup, `${prefix}events`);

    const meter = await client.meters.create({
      name: 'EU upload bytes',
      event_name: 'upload',
      measurement_unit: 'bytes',
      aggregation: { type: 'sum', key: 'bytes' },
      filter: { conjunction: 'and', clauses: [{ key: 'region', operator: 'equals', value: 'eu' }] },
    });
    // Events accepted after the create call returned: 100 events, offsets 50..149, half in eu.
    expect((await send(50, 100)).body.ingested_count).toBe(100);
    let expected = 0n;
    for (let i = 50; i < 150; i++) if (i % 2 === 0) expected += BigInt(1000 + i);

    const end = new Date(Date.now() + 120000).toISOString();
    const total = await eventually(async () => {
      const res = await getJson(`${app.url}/usage?customer_id=${customer}&meter_id=${meter.id}&start=${start}&end=${end}`, app.adminKey);
      return res.body.total === expected.toString() ? res.body.total : undefined;
    }, 60000, `usage ${expected}`);
    expect(total).toBe(expected.toString());
    // the existing api_calls meter keeps counting nothing of 'upload' events
    const calls = await getJson(`${app.url}/usage?customer_id=${customer}&meter_id=mtr_api_calls&start=${start}&end=${end}`, app.adminKey);
    expect(calls.body.total).toBe('0');
  });
});
