import { getJson, startTestPipeline } from '../support/pipeline';

// The OpenAPI document is generated from the route schemas: every route the gateway serves is in it,
// documented, with the Dodo-compatible ones marked.
describe('OpenAPI document', () => {
  let app: Awaited<ReturnType<typeof startTestPipeline>>;
  beforeAll(async () => {
    app = await startTestPipeline('openapi');
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('documents every route, marks the Dodo-compatible ones and declares bearer auth', async () => {
    const res = await getJson(`${app.url}/openapi.json`, app.adminKey);
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe('3.0.3');
    const operations: [string, string, any][] = [];
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries(item)) operations.push([method.toUpperCase(), path, op]);
    }
    // Routes are registered after @fastify/swagger, so the document holds every one of them; an
    // undocumented route would show up here without a summary.
    expect(operations.length).toBeGreaterThanOrEqual(30);
    for (const [method, path, op] of operations) {
      expect([method, path, typeof op.summary === 'string' && op.summary.length > 0]).toEqual([method, path, true]);
      expect(typeof op['x-dodo-compatible']).toBe('boolean');
    }
    const op = (method: string, path: string) => operations.find(([m, p]) => m === method && p === path)?.[2];
    expect(op('POST', '/events/ingest')['x-dodo-compatible']).toBe(true);
    expect(op('POST', '/events/ingest').requestBody.content['application/json'].schema.properties.events.maxItems).toBe(1000);
    expect(op('GET', '/meters/{id}')['x-dodo-compatible']).toBe(true);
    expect(op('GET', '/subscriptions/{id}/usage-history')['x-dodo-compatible']).toBe(true);
    expect(op('GET', '/usage')['x-dodo-compatible']).toBe(false);
    expect(op('GET', '/usage').parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['customer_id', 'meter_id', 'start', 'window']));
    expect(op('POST', '/meters').security).toEqual([{ bearerAuth: [] }]);
    // Corrections (docs/corrections.md): backfill, void, amend and the audit trail.
    expect(op('POST', '/events/backfill')['x-dodo-compatible']).toBe(false);
    expect(op('POST', '/events/backfill').requestBody.content['application/json'].schema.properties.events.maxItems).toBe(1000);
    expect(op('POST', '/events/backfill').responses['422'].description).toContain('EVENT_OLDER_THAN_BACKFILL_LIMIT');
    for (const kind of ['void', 'amend']) {
      const correction = op('POST', `/events/{event_id}/${kind}`);
      expect(correction.parameters.map((p: { name: string; in: string }) => [p.in, p.name])).toEqual([['path', 'event_id']]);
      expect(correction.responses['409'].description.split(', ').sort()).toEqual(['CORRECTION_ID_CONFLICT', 'EVENT_VOIDED']);
      expect(correction.responses['404'].description).toContain('EVENT_NOT_FOUND');
    }
    expect(op('POST', '/events/{event_id}/amend').requestBody.content['application/json'].schema.required).toEqual(['customer_id', 'correction_id', 'metadata']);
    expect(op('GET', '/corrections').parameters.map((p: { name: string }) => p.name).sort()).toEqual(['correction_id', 'customer_id', 'event_id', 'kind', 'page_number', 'page_size']);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('needs a key like every other route', async () => {
    expect((await getJson(`${app.url}/openapi.json`)).status).toBe(401);
  });
});
