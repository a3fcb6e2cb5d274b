import DodoPayments from 'dodopayments';
import { eventually, postJson, startTestPipeline } from '../support/pipeline';

// The official dodopayments SDK against the gateway: ingest, list with every filter, retrieve.
describe('events API (dodopayments SDK)', () => {
  let app: Awaited<ReturnType<typeof startTestPipeline>>;
  let client: DodoPayments;
  const now = Date.now();
  const at = (msAgo: number) => new Date(now - msAgo).toISOString();
  const sent: DodoPayments.EventInput[] = [
    { event_id: 'ev-a1', customer_id: 'cus_a', event_name: 'api_request', timestamp: at(50000), metadata: { user_id: 'u1', method: 'GET' } },
    { event_id: 'ev-a2', customer_id: 'cus_a', event_name: 'api_request', timestamp: at(40000), metadata: { user_id: 'u2', method: 'POST' } },
    { event_id: 'ev-a3', customer_id: 'cus_a', event_name: 'llm_completion', timestamp: at(30000), metadata: { tokens: 120, premium: true } },
    { event_id: 'ev-b1', customer_id: 'cus_b', event_name: 'llm_completion', timestamp: at(20000), metadata: { tokens: '7.25', region: 'eu' } },
    { event_id: 'ev-b2', customer_id: 'cus_b', event_name: 'upload', timestamp: at(10000), metadata: { bytes: 5, region: 'us' } },
  ];

  beforeAll(async () => {
    app = await startTestPipeline('events-api');
    client = new DodoPayments({ bearerToken: (app as { adminKey?: string }).adminKey ?? 'none', baseURL: app.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await app?.stop();
  });

  const ids = async (query: Parameters<DodoPayments['usageEvents']['list']>[0]) => {
    const out: string[] = [];
    for await (const event of client.usageEvents.list(query)) out.push(event.event_id);
    return out;
  };

  it('ingests, then lists with every filter and retrieves what was sent', async () => {
    const first = await client.usageEvents.ingest({ events: sent });
    expect(first.ingested_count).toBe(5);
    // Ids seen before are ignored and not counted (idempotent ingest).
    const again = await client.usageEvents.ingest({ events: [sent[0], { ...sent[1] }, { event_id: 'ev-c1', customer_id: 'cus_c', event_name: 'api_request' }] });
    expect(again.ingested_count).toBe(1);

    await eventually(async () => ((await ids({ page_size: 100 })).length === 6 ? true : undefined), 60000, 'all 6 events listed');
    expect(await ids({ page_size: 100 })).toEqual(['ev-c1', 'ev-b2', 'ev-b1', 'ev-a3', 'ev-a2', 'ev-a1']); // newest first
    expect(await ids({ customer_id: 'cus_a' })).toEqual(['ev-a3', 'ev-a2', 'ev-a1']);
    expect(await ids({ event_name: 'llm_completion' })).toEqual(['ev-b1', 'ev-a3']);
    expect(await ids({ customer_id: 'cus_b', event_name: 'llm_completion' })).toEqual(['ev-b1']);
    expect(await ids({ start: at(45000), end: at(15000) })).toEqual(['ev-b1', 'ev-a3', 'ev-a2']);
    // meter_id lists the events the meter counted: mtr_tokens sums llm_completion tokens
    await eventually(async () => ((await ids({ meter_id: 'mtr_tokens' })).length === 2 ? true : undefined), 60000, 'the events mtr_tokens counted');
    expect(await ids({ meter_id: 'mtr_tokens' })).toEqual(['ev-b1', 'ev-a3']);
    expect(await ids({ meter_id: 'mtr_tokens', customer_id: 'cus_a' })).toEqual(['ev-a3']);
    // page_size / page_number: pages of 2, the SDK walks all of them
    const page2 = await client.usageEvents.list({ page_size: 2, page_number: 1 });
    expect(page2.items.map((e) => e.event_id)).toEqual(['ev-b1', 'ev-a3']);
    expect(await ids({ page_size: 2, page_number: 0 })).toHaveLength(6);

    const retrieved = await client.usageEvents.retrieve('ev-a3');
    expect(retrieved).toMatchObject({ event_id: 'ev-a3', customer_id: 'cus_a', event_name: 'llm_completion', timestamp: sent[2].timestamp, metadata: { tokens: 120, premium: true } });
    expect((await client.usageEvents.retrieve('ev-b1')).metadata).toEqual({ tokens: '7.25', region: 'eu' });
    await expect(client.usageEvents.retrieve('ev-missing')).rejects.toMatchObject({ status: 404 });
  });

  // A meter lists what it counted: the events routed to it since it was created, which its filter
  // passed (the router's own decision, stored per event in meter_records). Events stored before the
  // meter existed were never counted by it and are not listed (ev-b1 matches the filter but predates it).
  it('lists the events a filtered meter counted, exactly as the router routed them', async () => {
    const create = await postJson(`${app.url}/meters`, {
      name: 'EU tokens',
      event_name: 'llm_completion',
      measurement_unit: 'tokens',
      aggregation: { type: 'sum', key: 'tokens' },
      filter: { conjunction: 'and', clauses: [{ key: 'region', operator: 'equals', value: 'eu' }] },
    }, (app as { adminKey?: string }).adminKey);
    expect(create.status).toBe(200);
    const later: DodoPayments.EventInput[] = [
      { event_id: 'ev-d1', customer_id: 'cus_d', event_name: 'llm_completion', timestamp: at(5000), metadata: { tokens: 3, region: 'eu' } },
      { event_id: 'ev-d2', customer_id: 'cus_d', event_name: 'llm_completion', timestamp: at(4000), metadata: { tokens: 4, region: 'us' } },
      { event_id: 'ev-d3', customer_id: 'cus_d', event_name: 'upload', timestamp: at(3000), metadata: { region: 'eu' } },
      { event_id: 'ev-d4', customer_id: 'cus_e', event_name: 'llm_completion', timestamp: at(2000), metadata: { tokens: '1.5', region: 'eu' } },
    ];
    expect((await client.usageEvents.ingest({ events: later })).ingested_count).toBe(4);
    await eventually(async () => ((await ids({ meter_id: create.body.id })).length === 2 ? true : undefined), 60000, 'the events the new meter counted');
    expect(await ids({ meter_id: create.body.id })).toEqual(['ev-d4', 'ev-d1']);
    expect(await ids({ meter_id: create.body.id, customer_id: 'cus_d' })).toEqual(['ev-d1']);
    const wrongName = await client.usageEvents.list({ meter_id: create.body.id, event_name: 'upload' }).catch((e) => e);
    expect(wrongName.status).toBe(422);
  });
});
