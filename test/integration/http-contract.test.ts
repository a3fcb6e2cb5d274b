import net from 'node:net';
import { ERROR_CODES } from '@meterstream/domain';
import { authHeader, getJson, startTestPipeline } from '../support/pipeline';

type Operation = { method: string; path: string; op: any };

/** A value the parameter's schema takes (what a client would send). */
function validValue(schema: any): string {
  if (schema.enum) return String(schema.enum[0]);
  if (schema.type === 'integer') return String(schema.default ?? schema.minimum ?? 1);
  if (schema.format === 'date-time') return '2026-01-01T00:00:00Z';
  if (schema.format === 'time-zone') return 'Europe/Paris';
  return 'x';
}

// The gateway's HTTP contract: every request gets a precise 4xx from the error registry, the
// OpenAPI document lists exactly what each route takes, and lists page as Dodo documents.
describe('HTTP contract', () => {
  let app: Awaited<ReturnType<typeof startTestPipeline>>;
  let operations: Operation[];
  let components: Record<string, any>;
  const get = (path: string) => getJson(`${app.url}${path}`, app.adminKey);
  const request = async (method: string, path: string) => {
    const res = await fetch(`${app.url}${path}`, { method, headers: authHeader(app.adminKey) });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
  };
  const expectRegistryError = (res: { status: number; body: any }, code: keyof typeof ERROR_CODES) => {
    expect({ status: res.status, code: res.body?.code, retryable: res.body?.retryable, message: typeof res.body?.message }).toEqual({
      status: ERROR_CODES[code].status,
      code,
      retryable: ERROR_CODES[code].retryable,
      message: 'string',
    });
  };

  beforeAll(async () => {
    app = await startTestPipeline('http-contract');
    const doc = (await get('/openapi.json')).body;
    components = doc.components.schemas;
    operations = [];
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries(item)) operations.push({ method: method.toUpperCase(), path, op });
    }
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('refuses an unknown time zone with 422 naming time_zone, and answers a known one', async () => {
    const base = '/usage?customer_id=cus_acme&meter_id=mtr_api_calls&start=2026-01-01T00:00:00Z&end=2026-01-02T00:00:00Z&window=day';
    for (const zone of ['Bogus/Zone', 'europe/paris', '+01:00', 'Europe/Paris%00']) {
      const res = await get(`${base}&time_zone=${zone}`);
      expectRegistryError(res, 'VALIDATION_FAILED');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'time_zone' })]);
    }
    // A zone the runtime knows and ClickHouse's tz database may lack is refused, never a 500.
    for (const zone of Intl.supportedValuesOf('timeZone').filter((z) => z === 'America/Coyhaique')) {
      const res = await get(`${base}&time_zone=${zone}`);
      expect([200, 422]).toContain(res.status);
    }
    const paris = await get(`${base}&time_zone=Europe/Paris`);
    expect(paris.status).toBe(200);
    expect(paris.body).toMatchObject({ total: '0', windows: [] });
  });

  it('refuses a repeated parameter instead of answering for an array', async () => {
    const res = await get('/usage?customer_id=a&customer_id=b&meter_id=mtr_api_calls&start=2026-01-01T00:00:00Z');
    expectRegistryError(res, 'VALIDATION_FAILED');
    expect(res.body.errors).toEqual([{ field: 'customer_id', message: 'given more than once: send it once' }]);
    const pages = await get('/meters?page_size=2&page_size=3');
    expectRegistryError(pages, 'VALIDATION_FAILED');
    expect(pages.body.errors).toEqual([expect.objectContaining({ field: 'page_size' })]);
  });

  it('refuses a page whose offset would wrap, and numbers written loosely', async () => {
    for (const list of ['/events', '/invoices', '/meters', '/customers', '/api-keys']) {
      const res = await get(`${list}?page_size=64&page_number=67108865`);
      expectRegistryError(res, 'VALIDATION_FAILED');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'page_number' })]);
    }
    for (const bad of ['page_size=1e1', 'page_size=%2010', 'page_size=0x10', 'page_size=010', 'page_number=-1', 'page_size=101', 'page_size=0']) {
      const res = await get(`/events?${bad}`);
      expectRegistryError(res, 'VALIDATION_FAILED');
    }
    // The last page there is answers (empty), 10,000,000 × 100 < 2^32.
    expect(await get('/events?page_size=100&page_number=10000000')).toEqual({ status: 200, body: { items: [] } });
  });

  it('pages from 0 as Dodo documents: offset = page_number × page_size', async () => {
    const all = (await get('/meters?page_size=100')).body.items.map((m: { id: string }) => m.id);
    expect(all.length).toBeGreaterThanOrEqual(3);
    const first = (await get('/meters?page_size=1')).body.items.map((m: { id: string }) => m.id);
    expect(first).toEqual([all[0]]);
    for (let n = 0; n < all.length + 1; n++) {
      const page = (await get(`/meters?page_size=1&page_number=${n}`)).body.items.map((m: { id: string }) => m.id);
      expect(page).toEqual(all.slice(n, n + 1));
    }
    const second = (await get('/meters?page_size=2&page_number=1')).body.items.map((m: { id: string }) => m.id);
    expect(second).toEqual(all.slice(2, 4));
  });

  it('answers unknown routes, bad URLs and long ids through the registry', async () => {
    const nope = await get('/nope');
    expectRegistryError(nope, 'ROUTE_NOT_FOUND');
    expect(nope.body.message).toContain('GET /nope');
    expectRegistryError(await request('PUT', '/meters'), 'ROUTE_NOT_FOUND');
    expectRegistryError(await get('/meters/%E0%A4%A'), 'INVALID_URL');
    expectRegistryError(await get('/meters/%zz'), 'INVALID_URL');
    expectRegistryError(await get(`/meters/${'m'.repeat(101)}`), 'PARAMETER_TOO_LONG');
    expectRegistryError(await get(`/meters/${'m'.repeat(100)}`), 'NOT_FOUND');
    // Still needs a key: an unknown route says nothing to a caller without one.
    expectRegistryError(await getJson(`${app.url}/nope`), 'UNAUTHENTICATED');
  });

  it('answers a request Node cannot parse as HTTP through the registry', async () => {
    const raw = (text: string) =>
      new Promise<{ status: number; body: any }>((resolve, reject) => {
        const { hostname, port } = new URL(app.url);
        const socket = net.connect(Number(port), hostname, () => socket.write(text));
        let data = '';
        socket.on('data', (chunk) => (data += chunk.toString('utf8')));
        socket.on('error', reject);
        socket.on('close', () => {
          const [head, body] = data.split('\r\n\r\n');
          resolve({ status: Number(head.split(' ')[1]), body: JSON.parse(body) });
        });
      });
    expectRegistryError(await raw('GET /meters HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'), 'INVALID_REQUEST');
    expectRegistryError(await raw(`GET /meters HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`), 'HEADERS_TOO_LARGE');
  });

  it('documents every parameter, body and response of every route', async () => {
    const find = (method: string, path: string) => operations.find((o) => o.method === method && o.path === path)!.op;
    const names = (method: string, path: string) => (find(method, path).parameters ?? []).map((p: { name: string }) => p.name).sort();
    expect(names('GET', '/invoices')).toEqual(['customer_id', 'page_number', 'page_size', 'period_end', 'period_start', 'status', 'subscription_id']);
    expect(names('GET', '/subscriptions/{id}/usage-history')).toEqual(['end_date', 'id', 'meter_id', 'page_number', 'page_size', 'start_date']);
    expect(names('GET', '/api-keys')).toEqual(['page_number', 'page_size']);
    expect(names('GET', '/customers')).toEqual(['created_at_gte', 'created_at_lte', 'email', 'name', 'page_number', 'page_size']);
    expect(find('GET', '/events').parameters.find((p: any) => p.name === 'page_number').schema).toMatchObject({ type: 'integer', minimum: 0, default: 0, maximum: 10_000_000 });
    expect(Object.keys(find('POST', '/api-keys').responses)).toContain('201');
    expect(Object.keys(find('DELETE', '/api-keys/{id}').responses)).toContain('204');
    expect(Object.keys(find('DELETE', '/meters/{id}').responses)).toContain('204');
    expect(find('POST', '/events/ingest').requestBody.content['application/json'].schema.properties.events.items.required).toEqual(['event_id', 'customer_id', 'event_name']);

    for (const { method, path, op } of operations) {
      const statuses = Object.keys(op.responses);
      const success = statuses.filter((s) => s.startsWith('2'));
      expect([method, path, success.length]).toEqual([method, path, 1]);
      const isPublic = op.security === undefined;
      const expected = ['400', '500', ...(isPublic ? [] : ['401', '403', '429'])];
      if ((op.parameters ?? []).length > 0 || op.requestBody) expected.push('422');
      if (path.includes('{')) expected.push('404', '414');
      if (op.requestBody) expected.push('413', '415');
      expect([method, path, statuses]).toEqual([method, path, expect.arrayContaining(expected)]);
      for (const status of statuses.filter((s) => /^[45]/.test(s) && !(path === '/readyz' && s === '503'))) {
        let schema = op.responses[status].content['application/json'].schema;
        if (schema.$ref) schema = components[schema.$ref.replace('#/components/schemas/', '')];
        expect([method, path, status, schema?.properties?.code?.enum?.length]).toEqual([method, path, status, Object.keys(ERROR_CODES).length]);
        // The description names the registry codes of that status.
        for (const code of op.responses[status].description.split(', ')) expect(ERROR_CODES[code as keyof typeof ERROR_CODES]?.status).toBe(Number(status));
      }
      // Path parameters: exactly the path's {names}.
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect([method, path, (op.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name).sort()]).toEqual([method, path, inPath]);
    }
  });

  it('accepts exactly the query parameters the document lists, on every route', async () => {
    expect(operations.length).toBeGreaterThanOrEqual(32);
    for (const { method, path, op } of operations) {
      const url = path.replace(/\{(\w+)\}/g, 'no_such_$1');
      const query = (op.parameters ?? []).filter((p: any) => p.in === 'query');
      // Each documented parameter, sent alone with a value its schema takes: the answer never refuses
      // that parameter (other parameters may be missing, the id may not exist).
      for (const p of query) {
        const res = await request(method, `${url}?${p.name}=${encodeURIComponent(validValue(p.schema))}`);
        expect(res.status).toBeLessThan(500);
        expect([method, path, p.name, (res.body?.errors ?? []).filter((e: { field: string }) => e.field === p.name)]).toEqual([method, path, p.name, []]);
      }
      // Anything else is refused, named.
      const res = await request(method, `${url}?not_a_parameter=1`);
      expect([method, path, res.status, res.body?.errors]).toEqual([
        method,
        path,
        422,
        expect.arrayContaining([{ field: 'not_a_parameter', message: 'unknown parameter: the route does not take it' }]),
      ]);
    }
  });
});
